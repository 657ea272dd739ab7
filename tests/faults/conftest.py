"""The fault suite: a production-like stack on loopback ports of its own.

Run by .ci/run (``pytest -m faults tests/faults``), not by ``make test``: it starts a
throwaway PostgreSQL cluster, a Redis and gunicorn (production settings,
deploy/gunicorn.conf.py), then breaks them. Ports: FAULTS_PG_PORT (5441),
FAULTS_REDIS_PORT (6391), FAULTS_WEB_PORT (8391).
"""

import os
import re

import pytest
import requests

from bench.load.stack import Stack


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def stack():
    stack = Stack(
        pg_port=int(os.environ.get("FAULTS_PG_PORT", "5441")),
        redis_port=int(os.environ.get("FAULTS_REDIS_PORT", "6391")),
        web_port=int(os.environ.get("FAULTS_WEB_PORT", "8391")),
        workers=1,
        threads=2,
    )
    try:
        stack.start_postgres()
        stack.start_redis()
        stack.seed = stack.prepare(users=4)
        stack.start_web()
        yield stack
    finally:
        stack.stop()


class Browser(requests.Session):
    """A browser on plain http that still sends the production's Secure cookies."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, *args, **kwargs):
        # The stack speaks http on the loopback: clear the Secure flag of the
        # production's __Host- cookies so that they travel back.
        for cookie in self.cookies:
            cookie.secure = False
        return super().request(*args, **kwargs)

    def page(self, path: str, **kwargs):
        return self.get(self.base_url + path, timeout=10, allow_redirects=False, **kwargs)

    def sign_in(self, email: str, password: str):
        form = self.page("/accounts/login/")
        assert form.status_code == 200, form.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return self.post(
            self.base_url + "/accounts/login/",
            data={"login": email, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base_url + "/accounts/login/"},
            timeout=10,
            allow_redirects=False,
        )


@pytest.fixture
def browser(stack):
    return Browser(f"http://127.0.0.1:{stack.web_port}")
