"""Faults against a real stack: Redis stopped, PostgreSQL restarted (docs/reliability.md)."""

import time

from .conftest import Browser


def test_redis_stopped_sign_in_and_signed_in_pages_still_answer_200(stack, browser):
    email, password = stack.seed["emails"][0], stack.seed["password"]
    assert browser.sign_in(email, password).status_code == 302
    assert browser.page("/").status_code == 200
    stack.stop_redis()
    try:
        statuses = [browser.page("/").status_code for _ in range(10)]
        assert statuses == [200] * 10
        other = Browser(browser.base_url)
        signed_in = other.sign_in(stack.seed["emails"][1], password)
        assert signed_in.status_code == 302
        assert signed_in.headers["Location"] == "/"
        assert other.page("/").status_code == 200
        # Liveness never waits on Redis; readiness names it.
        assert browser.page("/healthz").status_code == 200
        ready = browser.page("/readyz")
        assert ready.status_code == 200
        assert ready.json()["cache"] is False
    finally:
        stack.start_redis()


def test_database_restarted_no_failed_request_once_it_is_back(stack, browser):
    email, password = stack.seed["emails"][2], stack.seed["password"]
    assert browser.sign_in(email, password).status_code == 302
    # Every thread holds a persistent connection (CONN_MAX_AGE=60) before the restart.
    assert [browser.page("/").status_code for _ in range(12)] == [200] * 12
    stack.restart_postgres()
    time.sleep(0.2)  # wall-clock infrastructure: the cluster is back (pg_ctl -w)
    statuses = [browser.page("/").status_code for _ in range(30)]
    assert statuses == [200] * 30
    assert browser.page("/readyz").json()["database"] is True
