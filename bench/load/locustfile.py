"""The steady mix of issue 12, for locust (bench/load/run.py starts the stack and locust).

Users (20 by default), weighted like the measured traffic:
- ``WebUser``: signed-in pages (home), a sign-in now and then (sign-out, sign-in),
  the health check;
- ``PlatformUser``: a relying party holding one user's tokens: refresh grants
  (rotation), userinfo calls, activity reports (client-credentials token); the
  relying parties spread over the seeded OIDC clients (one per platform).

``FastHttpUser`` (geventhttpclient): the load generator shares the server's two
cores, and it costs a fraction of the CPU of ``HttpUser`` (python-requests).
Every request carries its name in ``X-Load-Name``, so the server's CPU per
request type can be told apart (bench/load/gunicorn_cpu.conf.py).

The seed (users, password, OIDC clients) comes from LOAD_SEED (a JSON file written
by bench/load/seed.py). Secure cookies are sent back over the loopback's http.
"""

import base64
import hashlib
import itertools
import json
import os
import re
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

SEED = json.loads(open(os.environ["LOAD_SEED"]).read())  # noqa: SIM115
CLIENTS = SEED.get("clients") or [
    {"client_id": SEED["client_id"], "client_secret": SEED["client_secret"], "emails": []}
]
# Web users take the accounts from the end, relying parties from the start: one
# person signing in twice at the same instant would meet the per-login lock.
_web_emails = itertools.cycle(reversed(SEED["emails"]))
_clients = itertools.cycle(CLIENTS)
_client_emails = {client["client_id"]: itertools.cycle(client["emails"]) for client in CLIENTS}
_addresses = itertools.count(1)
_lock = threading.Lock()
FORM = "application/x-www-form-urlencoded"


class _Base(FastHttpUser):
    abstract = True
    wait_time = between(0.05, 0.25)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each simulated person has an address of his own, as the load balancer in
        # front of nginx reports it (the stack runs with TRUSTED_PROXY_COUNT=2).
        with _lock:
            n = next(_addresses)
        self.address = f"198.51.{100 + n // 250}.{n % 250 + 1}"

    def headers(self, name, extra=None):
        return {"X-Forwarded-For": self.address, "X-Load-Name": name, **(extra or {})}

    def _unsecure(self):
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def call(self, method, path, name, *, expect=(200,), form=None, headers=None, body=None):
        """One request named ``name``; a status outside ``expect`` is a failure."""
        self._unsecure()
        extra = dict(headers or {})
        if form is not None:
            body = urlencode(form)
            extra["Content-Type"] = FORM
        with self.client.request(
            method,
            path,
            data=body,
            headers=self.headers(name, extra),
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{name} answered {response.status_code}")
            else:
                response.success()
        return response

    def sign_in(self, email):
        form = self.call("GET", "/accounts/login/", "sign-in page")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text or "")
        if not found:
            return
        self.call(
            "POST",
            "/accounts/login/",
            "sign-in",
            expect=(302,),
            form={"login": email, "password": SEED["password"], "csrfmiddlewaretoken": found[1]},
            headers={"Referer": self.host + "/accounts/login/"},
        )


class WebUser(_Base):
    weight = 3

    def on_start(self):
        with _lock:
            self.email = next(_web_emails)
        self.sign_in(self.email)

    @task(8)
    def home(self):
        self.call("GET", "/", "home")

    @task(1)
    def sign_in_again(self):
        self.client.cookiejar.clear()
        self.sign_in(self.email)

    @task(1)
    def health(self):
        self.call("GET", "/healthz", "healthz")


class PlatformUser(_Base):
    weight = 2

    def on_start(self):
        with _lock:
            client = next(_clients)
            email = next(_client_emails[client["client_id"]], None) or next(_web_emails)
        self.client_id = client["client_id"]
        secret = f"{client['client_id']}:{client['client_secret']}".encode()
        self.basic = {"Authorization": "Basic " + base64.b64encode(secret).decode()}
        config = self.call("GET", "/.well-known/openid-configuration", "discovery").json()
        self.token_url = urlsplit(config["token_endpoint"]).path
        self.userinfo_url = urlsplit(config["userinfo_endpoint"]).path
        authorize = urlsplit(config["authorization_endpoint"]).path
        machine = self.call(
            "POST",
            self.token_url,
            "token (client credentials)",
            form={"grant_type": "client_credentials"},
            headers=self.basic,
        )
        self.machine = machine.json()["access_token"] if machine.status_code == 200 else None
        self.access = self.refresh = self.sub = None
        self.sign_in(email)
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": SEED["redirect_uri"],
                "scope": "openid email profile habilitations",
                "state": secrets.token_urlsafe(8),
                "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        response = self.call("GET", f"{authorize}?{query}", "authorize", expect=(302,))
        location = response.headers.get("Location", "") if response.headers else ""
        code = parse_qs(urlsplit(location).query).get("code")
        if not code:
            return
        tokens = self.call(
            "POST",
            self.token_url,
            "token (code)",
            form={
                "grant_type": "authorization_code",
                "code": code[0],
                "redirect_uri": SEED["redirect_uri"],
                "code_verifier": verifier,
            },
            headers=self.basic,
        )
        if tokens.status_code == 200:
            body = tokens.json()
            self.access, self.refresh = body["access_token"], body["refresh_token"]
        # From here on the relying party's server calls us (refresh, userinfo,
        # activity): no browser cookies travel with those.
        self.client.cookiejar.clear()

    @task(2)
    def refresh_grant(self):
        if not self.refresh:
            return
        response = self.call(
            "POST",
            self.token_url,
            "token (refresh)",
            form={"grant_type": "refresh_token", "refresh_token": self.refresh},
            headers=self.basic,
        )
        if response.status_code == 200:
            body = response.json()
            self.access = body["access_token"]
            self.refresh = body.get("refresh_token", self.refresh)

    @task(3)
    def userinfo(self):
        if not self.access:
            return
        response = self.call(
            "GET",
            self.userinfo_url,
            "userinfo",
            headers={"Authorization": f"Bearer {self.access}"},
        )
        if response.status_code == 200:
            self.sub = response.json()["sub"]

    @task(1)
    def activity(self):
        if not self.machine:
            return
        body = [{"sub": self.sub or "0", "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]
        # 207: per-item results (an unknown sub is reported, not an error).
        self.call(
            "POST",
            "/api/v1/activity",
            "activity",
            expect=(200, 207),
            body=json.dumps(body),
            headers={
                "Authorization": f"Bearer {self.machine}",
                "Content-Type": "application/json",
            },
        )

    @task(1)
    def health(self):
        self.call("GET", "/healthz", "healthz")
