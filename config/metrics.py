"""``/metrics``: Prometheus exposition (prometheus-client), protected.

Counters (incremented in the web process, per process; set
``PROMETHEUS_MULTIPROC_DIR`` under gunicorn so every worker's counts are summed):
- ``mhab_http_requests_total{method,status}`` (``MetricsMiddleware``);
- ``mhab_sign_ins_total{result}`` — Django's ``user_logged_in`` / ``user_login_failed``;
- ``mhab_token_grants_total{grant_type}`` — successful answers of the OIDC token endpoint.

Computed at scrape, from cheap queries on indexed columns (``ScrapeCollector``):
- ``mhab_lifecycle_due{step}`` — accounts due a warning (the sweep's indexed
  superset), a deactivation, a deletion;
- ``mhab_lifecycle_sweep_actions_total{step}`` — actions of every sweep, summed in the
  shared cache by the worker (a Celery ``task_postrun`` receiver), so they
  survive the worker and are read by any web process;
- ``mhab_notices{status}`` — lifecycle notices pending, refused, bounced;
- ``mhab_review_queue`` — accounts whose notice could not be delivered;
- ``mhab_event_deliveries_pending`` — the callable named by
  ``METRICS_EVENT_DELIVERIES_PENDING``: by default the Shared Signals outbox,
  events neither delivered nor refused by their platform
  (``platforms.ssf.selectors.pending_deliveries_count``). OIDC back-channel
  logouts are not rows but Celery messages (the broker's queue holds them).

Access: ``Authorization: Bearer <METRICS_TOKEN>``; with no token set, only when
``METRICS_ALLOW_ANONYMOUS`` (local development). Production sets neither default:
an anonymous scrape gets 401.
"""

from __future__ import annotations

import hmac
import logging
import os

from celery.signals import task_postrun
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

logger = logging.getLogger(__name__)

SWEEP_STEPS = ("warned", "deactivated", "deleted", "notices_requeued", "failed")
SWEEP_KEY = "metrics:sweep_actions:{}"

HTTP_REQUESTS = Counter("mhab_http_requests", "HTTP requests answered", ["method", "status"])
SIGN_INS = Counter("mhab_sign_ins", "Sign-in attempts", ["result"])
TOKEN_GRANTS = Counter("mhab_token_grants", "OIDC tokens granted", ["grant_type"])


def _on_logged_in(sender, **kwargs) -> None:
    SIGN_INS.labels(result="success").inc()


def _on_login_failed(sender, **kwargs) -> None:
    SIGN_INS.labels(result="failure").inc()


user_logged_in.connect(_on_logged_in, dispatch_uid="metrics_logged_in")
user_login_failed.connect(_on_login_failed, dispatch_uid="metrics_login_failed")


@task_postrun.connect(weak=False)
def _on_task_postrun(sender=None, retval=None, **kwargs) -> None:
    """Sum the sweep's actions into the shared cache (the worker is not scraped)."""
    if getattr(sender, "name", "") != "lifecycle.tasks.lifecycle_sweep_task":
        return
    if not isinstance(retval, dict):
        return
    for step in SWEEP_STEPS:
        sweep_actions_add(step, len(retval.get(step) or []))


def sweep_actions_add(step: str, n: int) -> None:
    if n <= 0:
        return
    key = SWEEP_KEY.format(step)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key, n)
    except ValueError:
        cache.set(key, n, timeout=None)


class MetricsMiddleware:
    """Counts every answer; a 200 from the token endpoint counts as a grant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        HTTP_REQUESTS.labels(method=request.method, status=str(response.status_code)).inc()
        if request.method == "POST" and response.status_code == 200:
            try:
                view = resolve(request.path_info).view_name
            except Resolver404:
                view = ""
            if view == "idp:oidc:token":
                grant = request.POST.get("grant_type", "")[:40] or "unknown"
                TOKEN_GRANTS.labels(grant_type=grant).inc()
        return response


class ScrapeCollector:
    """Gauges read from the database at each scrape (a fixed number of queries)."""

    def collect(self):
        # config is imported with the settings (config/__init__.py loads Celery, which
        # loads this module), before the apps: their models are read at scrape time.
        from accounts.models import AccountState, User
        from lifecycle import sweep
        from lifecycle.models import Notice

        now = timezone.now()
        due = GaugeMetricFamily(
            "mhab_lifecycle_due", "Accounts due a lifecycle step now", labels=["step"]
        )
        due.add_metric(["warning"], sweep.inactivity_candidates(now=now).count())
        due.add_metric(["deactivation"], sweep.due_for_deactivation(now=now).count())
        due.add_metric(["deletion"], sweep.due_for_deletion(now=now).count())
        yield due

        actions = CounterMetricFamily(
            "mhab_lifecycle_sweep_actions", "Actions taken by the sweeps", labels=["step"]
        )
        values = cache.get_many([SWEEP_KEY.format(s) for s in SWEEP_STEPS])
        for step in SWEEP_STEPS:
            actions.add_metric([step], int(values.get(SWEEP_KEY.format(step)) or 0))
        yield actions

        notices = GaugeMetricFamily(
            "mhab_notices", "Lifecycle notices by status", labels=["status"]
        )
        for status in (Notice.Status.PENDING, Notice.Status.REFUSED, Notice.Status.BOUNCED):
            notices.add_metric([status], Notice.objects.filter(status=status).count())
        yield notices

        review = User.objects.filter(
            state__in=[AccountState.WARNED, AccountState.DEACTIVATED],
            notice_failed_at__isnull=False,
        ).count()
        yield GaugeMetricFamily(
            "mhab_review_queue", "Accounts whose notice was not delivered", value=review
        )

        hook = getattr(settings, "METRICS_EVENT_DELIVERIES_PENDING", "")
        if hook:
            yield GaugeMetricFamily(
                "mhab_event_deliveries_pending",
                "Events to the platforms not delivered yet",
                value=int(import_string(hook)()),
            )


def _registry():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(ScrapeCollector())
    return registry


def _authorised(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _sep, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    return bool(getattr(settings, "METRICS_ALLOW_ANONYMOUS", False))


@never_cache
def metrics(request):
    if not _authorised(request):
        response = HttpResponse("Accès refusé.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
