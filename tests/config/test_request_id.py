"""Every log line written while serving a request carries its request id."""

import io
import json
import logging

import pytest

from config.logging import JsonFormatter

pytestmark = pytest.mark.django_db


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


def test_the_proxys_request_id_is_echoed_and_in_the_log_lines(client, json_log):
    response = client.get("/nowhere-at-all", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    records = [json.loads(line) for line in json_log.getvalue().splitlines()]
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert not_found and all(r["request_id"] == "abc-123" for r in not_found)


def test_a_missing_or_forged_request_id_is_replaced(client):
    first = client.get("/healthz", HTTP_X_REQUEST_ID='bad"id\nx')
    second = client.get("/healthz")

    assert first["X-Request-ID"] != 'bad"id\nx' and len(first["X-Request-ID"]) == 32
    assert second["X-Request-ID"] != first["X-Request-ID"]


def test_no_request_id_outside_a_request(json_log):
    logging.getLogger("x").info("hors requête")

    assert "request_id" not in json.loads(json_log.getvalue().splitlines()[-1])
