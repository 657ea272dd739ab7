"""Writes of the Shared Signals transmitter: the outbox, delivery, streams.

Emission (``ssf_events_enqueue``) is set-based: for any number of users it runs
a bounded number of queries (streams, who may hear about whom, one bulk
insert). It must be called inside the transaction of the change it reports, so
the event exists exactly when the change does; the push is queued after
commit. Nothing about a person but his ``sub`` is stored (never an email
address): an event about a deleted account names only what the platform needs
to find its own copy, and is deleted once delivered.

Delivery is at-least-once and in order per stream (hence per subject): a push
run owns the stream by a lease (a conditional update, so it works on SQLite),
sends the pending events oldest first, and marks each delivered after the
receiver accepted it. A worker killed between sending and marking loses its
lease when it expires; the next run sends the same SET again (same ``jti``),
which the receiver de-duplicates (RFC 8935 §2 and §4).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import requests
from allauth.core.internal import jwkkit
from allauth.idp.oidc.adapter import get_adapter
from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from jwt import encode

from platforms import app_settings as platform_settings
from platforms.models import Access, Platform

from . import app_settings, events, selectors
from .models import Stream, StreamEvent, StreamSubject

logger = logging.getLogger(__name__)
PUSH_TASK = "platforms.ssf.tasks.ssf_stream_push"
RECEIVER_FIELDS = ("delivery", "events_requested", "description")


class StreamError(Exception):
    """A stream management request that cannot be honoured (French message)."""

    def __init__(self, message, *, status: int = 400, code: str = "invalid_request"):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
        self.code = code


# --- the outbox ---------------------------------------------------------------


def _queue_push(stream_pks: Iterable[int]) -> None:
    for pk in stream_pks:
        current_app.send_task(PUSH_TASK, kwargs={"stream_pk": pk})


def _habilitations(*, user_ids, platform_ids) -> dict[tuple[int, int], list[dict]]:
    """The ``habilitations`` claim per (user, platform), in one query."""
    rows = (
        Access.objects.filter(membership__user_id__in=user_ids, platform_id__in=platform_ids)
        .values_list(
            "membership__user_id",
            "platform_id",
            "membership__organisation__siren",
            "membership__organisation__siret",
            "membership__organisation__legal_name",
            "membership__organisation__kind",
            "role__code",
        )
        .order_by("membership__organisation__siret", "role__code")
    )
    result: dict[tuple[int, int], dict[str, dict]] = defaultdict(dict)
    for user_id, platform_id, siren, siret, name, kind, role in rows:
        entry = result[(user_id, platform_id)].setdefault(
            siret, {"siren": siren, "siret": siret, "name": name, "kind": kind, "roles": []}
        )
        entry["roles"].append(role)
    return {key: list(value.values()) for key, value in result.items()}


def _payload(*, stream: Stream, event_type: str, sub_id: dict, now, body: dict) -> dict:
    return {
        "iss": platform_settings.issuer(),
        "aud": stream.platform.oidc_client_id,
        "iat": int(now.timestamp()),
        "jti": uuid.uuid4().hex,
        "sub_id": sub_id,
        "events": {event_type: body},
    }


def ssf_events_enqueue(
    *,
    event_type: str,
    user_ids: Iterable[int],
    now: datetime,
    reason: str = "",
    platform_ids: Iterable[int] | None = None,
) -> int:
    """Write one event of ``event_type`` about each of ``user_ids`` to each stream concerned.

    A stream is concerned when it is enabled or paused (a paused stream keeps
    its events, SSF 1.0 "Stream Status"), delivers that event type, its
    platform has an OIDC client, and the person holds or held an access on
    that platform (or signed in there). ``platform_ids`` narrows to some
    platforms (a role changed on one platform). ``account-purged`` events are
    flagged ``purged``: deleted once delivered. Must run before the user rows
    are deleted (the subjects are read from them). Queries: at most five plus
    one insert per 500 events, whatever ``len(user_ids)``. Returns how many
    events were written; pushes are queued after commit.
    """
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return 0
    streams = Stream.objects.filter(
        status__in=[Stream.Status.ENABLED, Stream.Status.PAUSED],
        platform__oidc_client__isnull=False,
    ).select_related("platform", "platform__oidc_client")
    if platform_ids is not None:
        streams = streams.filter(platform_id__in=list(platform_ids))
    by_platform = {s.platform_id: s for s in streams if event_type in s.events_delivered}
    if not by_platform:
        return 0
    pairs = sorted(selectors.subject_pairs(user_ids=user_ids, platform_ids=list(by_platform)))
    claims = {}
    if event_type == events.TOKEN_CLAIMS_CHANGE and pairs:
        claims = _habilitations(user_ids=user_ids, platform_ids=list(by_platform))
    issuer = platform_settings.issuer()
    rows = []
    for user_id, platform_id in pairs:
        stream = by_platform[platform_id]
        sub = selectors.user_sub(user_id=user_id, client=stream.platform.oidc_client)
        subject = events.iss_sub(issuer=issuer, sub=sub)
        extra = None
        if event_type == events.TOKEN_CLAIMS_CHANGE:
            extra = {"claims": {"habilitations": claims.get((user_id, platform_id), [])}}
        body = events.event_body(
            event_type=event_type, subject=subject, now=now, reason=reason, data=extra
        )
        payload = _payload(
            stream=stream, event_type=event_type, sub_id=subject, now=now, body=body
        )
        rows.append(
            StreamEvent(
                stream=stream,
                jti=payload["jti"],
                event_type=event_type,
                subject=sub,
                payload=payload,
                purged=event_type == events.ACCOUNT_PURGED,
                created_at=now,
            )
        )
    StreamEvent.objects.bulk_create(rows, batch_size=500)
    push = sorted({row.stream.pk for row in rows if row.stream.delivery_method == events.PUSH})
    if push:
        transaction.on_commit(lambda: _queue_push(push))
    return len(rows)


def ssf_subjects_record(*, user_ids: Iterable[int], platform_id: int, now) -> None:
    """Remember that these users held an access on the platform (one insert)."""
    StreamSubject.objects.bulk_create(
        [StreamSubject(user_id=uid, platform_id=platform_id, since=now) for uid in user_ids],
        ignore_conflicts=True,
    )


# --- signing and delivery -----------------------------------------------------


def set_encode(payload: dict) -> str:
    """Sign ``payload`` as a SET with the provider's current key (RFC 8417 §2.3 ``typ``)."""
    jwk_dict, private_key = jwkkit.load_jwk_from_pem(get_adapter().get_signing_key().pem)
    return encode(
        payload,
        private_key,
        algorithm="RS256",
        headers={"kid": jwk_dict["kid"], "typ": "secevent+jwt"},
    )


def _backoff(failures: int) -> timedelta:
    seconds = app_settings.backoff_base() * 2 ** max(failures - 1, 0)
    return timedelta(seconds=min(seconds, app_settings.backoff_max()))


def _mark_delivered(event: StreamEvent, *, now) -> None:
    if event.purged:
        StreamEvent.objects.filter(pk=event.pk).delete()
    else:
        StreamEvent.objects.filter(pk=event.pk).update(
            delivered_at=now, attempts=F("attempts") + 1, last_error=""
        )


def _rejection(response) -> str | None:
    """The receiver's refusal of the SET itself (RFC 8935 §2.3), or None."""
    if response.status_code != 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("err"), str):
        return None
    return f"{body['err']}: {body.get('description', '')}".strip()


def stream_push(*, stream_pk: int, now, post=None) -> str:
    """Push the pending events of one stream, oldest first (RFC 8935 §2).

    Success (2xx, 202 per §2.2): the event is marked delivered (deleted when
    ``purged``). A refusal of the SET (400 with ``err``, §2.3) marks it
    rejected and goes on. Any other answer or a network error stops the run:
    the stream's failure count grows and its next attempt is put off by an
    exponential back-off; the event stays pending, so none is lost or
    reordered. Returns "busy", "idle", "delivered" or "failed".
    """
    post = post or requests.post
    lease = now + timedelta(seconds=app_settings.lease_seconds())
    taken = (
        Stream.objects.filter(pk=stream_pk, status=Stream.Status.ENABLED)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=lease)
    )
    if not taken:
        return "busy"
    stream = Stream.objects.select_related("platform").get(pk=stream_pk)
    if stream.delivery_method != events.PUSH or not stream.endpoint_url:
        Stream.objects.filter(pk=stream_pk).update(lease_until=None)
        return "idle"
    sent = 0
    headers = {"Content-Type": "application/secevent+jwt", "Accept": "application/json"}
    if stream.authorization_header:
        headers["Authorization"] = stream.authorization_header
    for event in selectors.pending_events(stream=stream)[: app_settings.push_batch()]:
        token = set_encode(event.payload)
        error = None
        try:
            response = post(
                stream.endpoint_url,
                data=token.encode(),
                headers=headers,
                timeout=app_settings.push_timeout(),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            if 200 <= response.status_code < 300:
                _mark_delivered(event, now=now)
                sent += 1
                continue
            rejected = _rejection(response)
            if rejected is not None:
                StreamEvent.objects.filter(pk=event.pk).update(
                    rejected_at=now, attempts=F("attempts") + 1, last_error=rejected[:2000]
                )
                logger.warning("SET %s rejected by %s: %s", event.jti, stream, rejected)
                continue
            error = f"HTTP {response.status_code}"
        StreamEvent.objects.filter(pk=event.pk).update(
            attempts=F("attempts") + 1, last_error=error[:2000]
        )
        failures = stream.failures + 1
        Stream.objects.filter(pk=stream_pk).update(
            failures=failures,
            next_attempt_at=now + _backoff(failures),
            last_error=error[:2000],
            last_error_at=now,
            lease_until=None,
        )
        logger.warning("SET push to %s failed (%s), attempt %s", stream, error, failures)
        return "failed"
    Stream.objects.filter(pk=stream_pk).update(failures=0, next_attempt_at=None, lease_until=None)
    if sent and selectors.pending_events(stream=stream).exists():
        _queue_push([stream_pk])  # more than one batch: go on at once
    return "delivered" if sent else "idle"


def streams_push_due(*, now, post=None) -> dict[str, str]:
    """Push every stream whose back-off ran out (the periodic re-pick)."""
    return {
        stream.stream_id: stream_push(stream_pk=stream.pk, now=now, post=post)
        for stream in selectors.streams_due(now=now)
    }


def events_retry(*, event_ids: Iterable[int], now) -> int:
    """Put rejected or failing events back in the queue and push their streams now.

    Back-office action; returns how many events were reset.
    """
    event_ids = list(event_ids)
    events_qs = StreamEvent.objects.filter(pk__in=event_ids, delivered_at__isnull=True)
    stream_pks = sorted(set(events_qs.values_list("stream_id", flat=True)))
    count = events_qs.update(rejected_at=None)
    Stream.objects.filter(pk__in=stream_pks).update(next_attempt_at=None, failures=0)
    transaction.on_commit(lambda: _queue_push(stream_pks))
    return count


def events_prune(*, now) -> int:
    """Delete delivered events past their retention (purged subjects at once)."""
    purged, _ = StreamEvent.objects.filter(
        purged=True,
        delivered_at__lte=now - timedelta(days=app_settings.purged_retention_days()),
    ).delete()
    old, _ = StreamEvent.objects.filter(
        delivered_at__lte=now - timedelta(days=app_settings.delivered_retention_days())
    ).delete()
    return purged + old


# --- poll delivery (RFC 8936) ---------------------------------------------------


def _bool(value, name):
    if value is None:
        return None
    if not isinstance(value, bool):
        raise StreamError(_("« %(name)s » doit être un booléen.") % {"name": name})
    return value


def poll_respond(*, stream: Stream, body: dict, now) -> dict:
    """Answer one poll request (RFC 8936 §2.1-§2.4).

    ``ack`` (jti list) marks those events delivered; ``setErrs`` (jti → {err,
    description}) marks them rejected; then up to ``maxEvents`` pending events
    are returned, the oldest pending one per subject only (order per subject).
    ``maxEvents: 0`` acknowledges without asking for more. A paused or
    disabled stream returns no SET. Requests are always answered at once (no
    long polling); ``returnImmediately`` is accepted and changes nothing.
    Malformed members raise ``StreamError`` and change nothing.
    """
    if not isinstance(body, dict):
        raise StreamError(_("Le corps doit être un objet JSON."))
    max_events = body.get("maxEvents")
    if max_events is not None and (
        not isinstance(max_events, int) or isinstance(max_events, bool) or max_events < 0
    ):
        raise StreamError(_("« maxEvents » doit être un entier positif ou nul."))
    _bool(body.get("returnImmediately"), "returnImmediately")
    ack = body.get("ack", [])
    if not isinstance(ack, list) or not all(isinstance(j, str) for j in ack):
        raise StreamError(_("« ack » doit être une liste d'identifiants jti."))
    set_errs = body.get("setErrs", {})
    if not isinstance(set_errs, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("err"), str) for v in set_errs.values()
    ):
        raise StreamError(_("« setErrs » doit associer chaque jti à un objet {err, description}."))
    with transaction.atomic():
        mine = StreamEvent.objects.filter(stream=stream, delivered_at__isnull=True)
        if ack:
            mine.filter(jti__in=ack, purged=True).delete()
            mine.filter(jti__in=ack).update(delivered_at=now, attempts=F("attempts") + 1)
        for jti, error in set_errs.items():
            mine.filter(jti=jti).update(
                rejected_at=now,
                last_error=f"{error['err']}: {error.get('description', '')}"[:2000],
            )
    limit = app_settings.poll_max_events()
    if max_events is not None:
        limit = min(limit, max_events)
    if stream.status != Stream.Status.ENABLED or limit == 0:
        return {"sets": {}, "moreAvailable": False}
    returned = list(selectors.poll_candidates(stream=stream)[:limit])
    pending = selectors.pending_events(stream=stream).count()
    return {
        "sets": {event.jti: set_encode(event.payload) for event in returned},
        "moreAvailable": pending > len(returned),
    }


# --- stream management (SSF 1.0 "Management API for SET Event Streams") ----------


def stream_config(stream: Stream) -> dict:
    """The stream configuration object (SSF 1.0 "Stream Configuration")."""
    delivery = {"method": stream.delivery_method}
    if stream.endpoint_url:
        delivery["endpoint_url"] = stream.endpoint_url
    data = {
        "stream_id": stream.stream_id,
        "iss": platform_settings.issuer(),
        "aud": stream.platform.oidc_client_id,
        "events_supported": events.SUPPORTED,
        "events_requested": stream.events_requested,
        "events_delivered": stream.events_delivered,
        "delivery": delivery,
        "min_verification_interval": app_settings.min_verification_interval(),
    }
    if stream.description:
        data["description"] = stream.description
    return data


def _apply(stream: Stream, config: dict, *, poll_url: str, replace: bool) -> None:
    if not isinstance(config, dict):
        raise StreamError(_("Le corps doit être un objet JSON."))
    if "delivery" in config or replace:
        delivery = config.get("delivery")
        if not isinstance(delivery, dict):
            raise StreamError(_("« delivery » est obligatoire et doit être un objet."))
        method = delivery.get("method")
        if method == events.PUSH:
            url = delivery.get("endpoint_url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise StreamError(
                    _("La livraison push exige « endpoint_url », une adresse http(s).")
                )
            header = delivery.get("authorization_header", "")
            if not isinstance(header, str) or len(header) > 500:
                raise StreamError(_("« authorization_header » doit être une chaîne courte."))
            stream.endpoint_url, stream.authorization_header = url[:500], header
        elif method == events.POLL:
            stream.endpoint_url, stream.authorization_header = poll_url, ""
        else:
            raise StreamError(
                _("Mode de livraison non pris en charge : %(method)s.") % {"method": method}
            )
        stream.delivery_method = method
    if "events_requested" in config or replace:
        requested = config.get("events_requested", [])
        if not isinstance(requested, list) or not all(isinstance(u, str) for u in requested):
            raise StreamError(_("« events_requested » doit être une liste d'URI."))
        # SSF 1.0: the transmitter ignores the values it does not understand.
        stream.events_requested = [u for u in dict.fromkeys(requested) if u in events.SUPPORTED]
    if "description" in config or replace:
        description = config.get("description", "")
        if not isinstance(description, str):
            raise StreamError(_("« description » doit être une chaîne."))
        stream.description = description[:255]


@transaction.atomic
def stream_create(*, platform: Platform, config: dict, poll_url: str, now) -> Stream:
    """Create the platform's stream; one per platform (409 when it exists)."""
    if Stream.objects.filter(platform=platform).exists():
        raise StreamError(
            _("Un flux existe déjà pour cette plateforme."), status=409, code="conflict"
        )
    stream = Stream(platform=platform, created_at=now, updated_at=now)
    _apply(stream, config, poll_url=poll_url, replace=True)
    stream.save()
    return stream


@transaction.atomic
def stream_update(*, stream: Stream, config: dict, poll_url: str, now, replace: bool) -> Stream:
    """PATCH (only the members given) or PUT (every receiver-supplied member)."""
    _apply(stream, config, poll_url=poll_url, replace=replace)
    stream.updated_at = now
    stream.save()
    return stream


@transaction.atomic
def stream_delete(*, stream: Stream) -> None:
    """Delete the stream. Deletes: its events, delivered or not."""
    stream.delete()


@transaction.atomic
def stream_status_set(*, stream: Stream, status: str, reason: str, now) -> Stream:
    """Enable, pause or disable the stream (SSF 1.0 "Updating a Stream's Status").

    Disabled: no event is written for it any more; paused: events are kept and
    sent once it is enabled again.
    """
    if status not in Stream.Status.values:
        raise StreamError(_("État inconnu : %(status)s.") % {"status": status})
    if not isinstance(reason, str):
        raise StreamError(_("« reason » doit être une chaîne."))
    stream.status, stream.status_reason, stream.updated_at = status, reason[:255], now
    stream.next_attempt_at = None
    stream.save(update_fields=["status", "status_reason", "updated_at", "next_attempt_at"])
    if status == Stream.Status.ENABLED and stream.delivery_method == events.PUSH:
        transaction.on_commit(lambda: _queue_push([stream.pk]))
    return stream


@transaction.atomic
def stream_verify(*, stream: Stream, state: str | None, now) -> StreamEvent:
    """Queue a verification event (SSF 1.0 "Verification").

    Refused with 429 when the previous request is more recent than the
    stream's ``min_verification_interval``.
    """
    if state is not None and not isinstance(state, str):
        raise StreamError(_("« state » doit être une chaîne."))
    locked = Stream.objects.select_for_update().select_related("platform").get(pk=stream.pk)
    interval = timedelta(seconds=app_settings.min_verification_interval())
    if locked.last_verification_at and now - locked.last_verification_at < interval:
        raise StreamError(
            _("Vérification demandée trop souvent : réessayez dans une minute."),
            status=429,
            code="too_many_requests",
        )
    locked.last_verification_at = now
    locked.save(update_fields=["last_verification_at"])
    sub_id = {"format": "opaque", "id": locked.stream_id}
    body = {"state": state} if state else {}
    payload = _payload(
        stream=locked, event_type=events.VERIFICATION, sub_id=sub_id, now=now, body=body
    )
    event = StreamEvent.objects.create(
        stream=locked,
        jti=payload["jti"],
        event_type=events.VERIFICATION,
        subject=f"stream:{locked.stream_id}",
        payload=payload,
        created_at=now,
    )
    if locked.delivery_method == events.PUSH:
        transaction.on_commit(lambda: _queue_push([locked.pk]))
    return event


def json_body(raw: bytes):
    """Parse a request body; ``StreamError`` in French when it is not JSON."""
    try:
        return json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise StreamError(_("Le corps de la requête n'est pas du JSON valide.")) from exc
