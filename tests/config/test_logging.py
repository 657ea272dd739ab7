"""Logs are structured: one JSON object per line."""

import io
import json
import logging

import pytest

from config.logging import JsonFormatter


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_log_line_is_a_json_object_with_its_extra_fields(json_log):
    logging.getLogger("accounts").info("Invitation envoyée à %s", "é@x.fr", extra={"org": 42})
    (payload,) = lines(json_log)
    assert payload["level"] == "INFO"
    assert payload["logger"] == "accounts"
    assert payload["message"] == "Invitation envoyée à é@x.fr"
    assert payload["org"] == 42
    assert payload["time"].endswith("+00:00")


def test_an_exception_stays_on_one_json_line(json_log):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("échec")
    (payload,) = lines(json_log)
    assert "ValueError: boom" in payload["exc"]


def test_unreachable_broker_is_logged_as_json(json_log, client, monkeypatch, db):
    from config.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    client.get("/readyz")  # /healthz touches no dependency (config/health.py)
    messages = [p["message"] for p in lines(json_log) if p["logger"] == "config.health"]
    assert "readyz: broker unreachable" in messages


def test_json_is_the_default_log_format():
    from config.settings import base

    console = base.LOGGING["handlers"]["console"]
    assert base.LOGGING["formatters"][console["formatter"]]["()"].endswith("JsonFormatter")
