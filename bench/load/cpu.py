"""CPU and queries per request type of the load mix, in one process (no network).

    DATABASE_URL=postgres://…/hh_prof CACHE_URL=redis://…/8 \
        python bench/load/cpu.py [--n 200] [--cprofile home] [--top 30]

Production settings (bench/load/stack.py's environment, with the database and cache
given here), Django's test client, the seed of bench/load/seed.py (run it first on
that database). For each request type of the steady mix: CPU ms per request
(``time.process_time``, the whole middleware stack and template included, the
database's own CPU excluded) and queries per request. ``--cprofile NAME`` prints
the top functions (cumulative) of that request type.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--cprofile", default="")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--seed", required=True)
    args = parser.parse_args()

    from bench.load.stack import Stack

    stack = Stack()  # only for its production environment; nothing is started
    database, cache = os.environ["DATABASE_URL"], os.environ["CACHE_URL"]
    os.environ.update(stack.env())
    stack.base.rmdir()
    os.environ.update(
        {
            "DATABASE_URL": database,
            "CACHE_URL": cache,
            "CELERY_BROKER_URL": cache,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": os.environ.get("PROFILE_LOG_LEVEL", "INFO"),
        }
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    class Count:
        """Queries run by one request (Django resets connection.queries per request)."""

        def __init__(self):
            self.sql = []

        def __call__(self, execute, sql, params, many, context):
            self.sql.append(sql)
            return execute(sql, params, many, context)

    seed = json.loads(Path(args.seed).read_text())
    basic = "Basic " + base64.b64encode(
        f"{seed['client_id']}:{seed['client_secret']}".encode()
    ).decode("ascii")
    web = Client()

    def sign_in(client: Client, email: str):
        form = client.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1)
        return client.post(
            "/accounts/login/",
            {"login": email, "password": seed["password"], "csrfmiddlewaretoken": token.decode()},
        )

    assert sign_in(web, seed["emails"][0]).status_code == 302
    # A relying party's tokens for userinfo and refresh grants.
    rp = Client()
    assert sign_in(rp, seed["emails"][1]).status_code == 302
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlencode, urlsplit

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    config = rp.get("/.well-known/openid-configuration").json()
    token_url = urlsplit(config["token_endpoint"]).path
    userinfo_url = urlsplit(config["userinfo_endpoint"]).path
    query = urlencode(
        {
            "response_type": "code",
            "client_id": seed["client_id"],
            "redirect_uri": seed["redirect_uri"],
            "scope": "openid email profile habilitations",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    answer = rp.get(f"{urlsplit(config['authorization_endpoint']).path}?{query}")
    code = parse_qs(urlsplit(answer["Location"]).query)["code"][0]
    tokens = rp.post(
        token_url,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": seed["redirect_uri"],
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=basic,
    ).json()
    state = {"refresh": tokens["refresh_token"], "access": tokens["access_token"]}
    machine = rp.post(
        token_url, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic
    ).json()["access_token"]
    sub = rp.get(userinfo_url, HTTP_AUTHORIZATION=f"Bearer {state['access']}").json()["sub"]
    anonymous = Client()
    signer = Client()
    rp = Client()  # the relying party's server: no browser cookies from here on

    def refresh():
        response = rp.post(
            token_url,
            {"grant_type": "refresh_token", "refresh_token": state["refresh"]},
            HTTP_AUTHORIZATION=basic,
        )
        body = response.json()
        state["refresh"], state["access"] = body["refresh_token"], body["access_token"]
        return response

    def activity():
        body = [{"sub": sub, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]
        return rp.post(
            "/api/v1/activity",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {machine}",
        )

    addresses = iter(range(1, 10**6))

    def sign_in_post():
        # A new address and account each time: allauth's per-IP limit (30 a minute)
        # would answer 429 otherwise.
        n = next(addresses)
        address = {"REMOTE_ADDR": f"198.51.{100 + n // 250}.{n % 250 + 1}"}
        signer.cookies.clear()
        form = signer.get("/accounts/login/", **address)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1)
        return signer.post(
            "/accounts/login/",
            {
                "login": seed["emails"][2 + n % (len(seed["emails"]) - 2)],
                "password": seed["password"],
                "csrfmiddlewaretoken": token.decode(),
            },
            **address,
        )

    cases = {
        "home": (lambda: web.get("/"), 200),
        "sign-in page": (lambda: anonymous.get("/accounts/login/"), 200),
        "sign-in (page + post)": (sign_in_post, 302),
        "token (refresh)": (refresh, 200),
        "userinfo": (
            lambda: rp.get(userinfo_url, HTTP_AUTHORIZATION=f"Bearer {state['access']}"),
            200,
        ),
        "activity": (activity, 200),
        "healthz": (lambda: anonymous.get("/healthz"), 200),
    }
    print(f"{'request':<24}{'CPU ms':>8}{'queries':>9}")
    for name, (call, status) in cases.items():
        for _ in range(5):  # warm-up
            call()
        n = max(10, args.n // 10) if name.startswith("sign-in (") else args.n
        profiler = cProfile.Profile(time.process_time) if args.cprofile == name else None
        queries = Count()
        with connection.execute_wrapper(queries):
            response = call()
        assert response.status_code == status, (name, response.status_code)
        start = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(n):
            call()
        if profiler:
            profiler.disable()
        cpu = (time.process_time() - start) / n * 1000
        print(f"{name:<24}{cpu:>8.2f}{len(queries.sql):>9}")
        if os.environ.get("PROFILE_SQL") == name:
            for sql in queries.sql:
                print("   ", sql[:200])
        if profiler:
            pstats.Stats(profiler).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(args.top)


if __name__ == "__main__":
    main()
