"""A tiny SMTP sink for the load stack: answers like a provider, keeps nothing.

    python bench/load/smtp_sink.py PORT COUNT_FILE

Speaks enough SMTP for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT), answers 250 with a queue id to each message and writes the
number of messages accepted so far to COUNT_FILE. One asyncio loop: hundreds of
connections cost it nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

_ids = itertools.count(1)
_accepted = 0


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: Path):
    global _accepted
    writer.write(b"220 sink.example.test ESMTP\r\n")
    try:
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink.example.test\r\n250-8BITMIME\r\n250 SIZE 36700160\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while (body := await reader.readline()) and body not in (b".\r\n", b".\n"):
                    pass
                _accepted += 1
                count.write_text(str(_accepted))
                writer.write(f"250 2.0.0 Ok: queued as sink{next(_ids)}\r\n".encode())
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # MAIL, RCPT, RSET, NOOP, anything else
                writer.write(b"250 ok\r\n")
            await writer.drain()
    finally:
        writer.close()


async def main(port: int, count: Path) -> None:
    count.write_text("0")
    server = await asyncio.start_server(
        lambda r, w: session(r, w, count), host="127.0.0.1", port=port
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2])))
