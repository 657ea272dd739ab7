"""The steady mix of issue 12, for locust (bench/load/run.py starts the stack and locust).

Users (20 by default), weighted like the measured traffic:
- ``WebUser``: signed-in pages (home), a sign-in now and then (sign-out, sign-in),
  the health check;
- ``PlatformUser``: a relying party holding one user's tokens: refresh grants
  (rotation), userinfo calls, activity reports (client-credentials token).

The seed (users, password, OIDC client) comes from LOAD_SEED (a JSON file written by
bench/load/seed.py). Secure cookies are sent back over the loopback's http.
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

from locust import HttpUser, between, task

SEED = json.loads(open(os.environ["LOAD_SEED"]).read())  # noqa: SIM115
_emails = itertools.cycle(SEED["emails"])
_lock = threading.Lock()


def next_email() -> str:
    with _lock:
        return next(_emails)


class _Base(HttpUser):
    abstract = True
    wait_time = between(0.05, 0.25)

    def _unsecure(self):
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, path, **kwargs):
        self._unsecure()
        return self.client.get(path, allow_redirects=False, **kwargs)

    def post(self, path, **kwargs):
        self._unsecure()
        return self.client.post(path, allow_redirects=False, **kwargs)

    def sign_in(self, email):
        form = self.get("/accounts/login/", name="sign-in page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        self._unsecure()
        with self.client.post(
            "/accounts/login/",
            data={"login": email, "password": SEED["password"], "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            name="sign-in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")


class WebUser(_Base):
    weight = 3

    def on_start(self):
        self.email = next_email()
        self.sign_in(self.email)

    @task(8)
    def home(self):
        self._unsecure()
        with self.client.get(
            "/", name="home", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"home answered {response.status_code}")

    @task(1)
    def sign_in_again(self):
        self.client.cookies.clear()
        self.sign_in(self.email)

    @task(1)
    def health(self):
        self.get("/healthz", name="healthz")


class PlatformUser(_Base):
    weight = 2

    def on_start(self):
        self.basic = (
            "Basic "
            + base64.b64encode(f"{SEED['client_id']}:{SEED['client_secret']}".encode()).decode()
        )
        config = self.client.get("/.well-known/openid-configuration").json()
        self.token_url = urlsplit(config["token_endpoint"]).path
        self.userinfo_url = urlsplit(config["userinfo_endpoint"]).path
        authorize = urlsplit(config["authorization_endpoint"]).path
        self.sign_in(next_email())
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": SEED["client_id"],
                "redirect_uri": SEED["redirect_uri"],
                "scope": "openid email profile habilitations",
                "state": secrets.token_urlsafe(8),
                "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        response = self.get(f"{authorize}?{query}", name="authorize")
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
        tokens = self.post(
            self.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": SEED["redirect_uri"],
                "code_verifier": verifier,
            },
            headers={"Authorization": self.basic},
            name="token (code)",
        ).json()
        self.access, self.refresh = tokens["access_token"], tokens["refresh_token"]
        self.sub = None
        machine = self.post(
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self.basic},
            name="token (client credentials)",
        ).json()
        self.machine = machine["access_token"]

    @task(2)
    def refresh_grant(self):
        self._unsecure()
        with self.client.post(
            self.token_url,
            data={"grant_type": "refresh_token", "refresh_token": self.refresh},
            headers={"Authorization": self.basic},
            name="token (refresh)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"refresh answered {response.status_code}")
                return
            body = response.json()
            self.access, self.refresh = (
                body["access_token"],
                body.get("refresh_token", self.refresh),
            )

    @task(3)
    def userinfo(self):
        with self.client.get(
            self.userinfo_url,
            headers={"Authorization": f"Bearer {self.access}"},
            name="userinfo",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"userinfo answered {response.status_code}")
                return
            self.sub = response.json()["sub"]

    @task(1)
    def activity(self):
        if not self.sub:
            return
        body = [{"sub": self.sub, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]
        with self.client.post(
            "/api/v1/activity",
            data=json.dumps(body),
            headers={
                "Authorization": f"Bearer {self.machine}",
                "Content-Type": "application/json",
            },
            name="activity",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"activity answered {response.status_code}")

    @task(1)
    def health(self):
        self.get("/healthz", name="healthz")
