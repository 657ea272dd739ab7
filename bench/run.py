"""Benchmarks: ``make bench``. Each ``bench_*.py`` module here has a ``main()``."""

import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

if __name__ == "__main__":
    for path in sorted(ROOT.glob("bench_*.py")):
        importlib.import_module(f"bench.{path.stem}").main()
