"""Reads of the Shared Signals transmitter (no writes here)."""

from allauth.idp.oidc.adapter import get_adapter
from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import User
from platforms.models import Access, PlatformLogin
from platforms.sso_selectors import platform_for_bearer  # noqa: F401 — the SSF endpoints' receiver

from .models import Stream, StreamEvent, StreamSubject

PENDING = Q(delivered_at__isnull=True, rejected_at__isnull=True)


def subject_pairs(*, user_ids, platform_ids) -> set[tuple[int, int]]:
    """(user id, platform id) for each person who holds or held an access there.

    Three queries whatever the number of users: current accesses, recorded past
    ones (``StreamSubject``) and single sign-on logins.
    """
    user_ids, platform_ids = list(user_ids), list(platform_ids)
    if not user_ids or not platform_ids:
        return set()
    pairs = set(
        Access.objects.filter(membership__user_id__in=user_ids, platform_id__in=platform_ids)
        .values_list("membership__user_id", "platform_id")
        .distinct()
    )
    pairs.update(
        StreamSubject.objects.filter(
            user_id__in=user_ids, platform_id__in=platform_ids
        ).values_list("user_id", "platform_id")
    )
    pairs.update(
        PlatformLogin.objects.filter(
            user_id__in=user_ids, platform_id__in=platform_ids
        ).values_list("user_id", "platform_id")
    )
    return pairs


def user_sub(*, user_id: int, client) -> str:
    """The ``sub`` the platform's OIDC client knows the user by (the ID token's)."""
    return get_adapter().get_user_sub(client, User(pk=user_id))


def pending_deliveries_count() -> int:
    """Events of every stream neither delivered nor refused yet (the outbox backlog).

    One count on the partial index of pending events (``ssf_event_queue_idx``):
    cheap at every scrape of ``/metrics`` (``METRICS_EVENT_DELIVERIES_PENDING``).
    A paused stream's events count: they wait for it.
    """
    return StreamEvent.objects.filter(PENDING).count()


def pending_events(*, stream: Stream):
    """Events of ``stream`` not delivered nor rejected yet, oldest first."""
    return stream.events.filter(PENDING).order_by("id")


def poll_candidates(*, stream: Stream):
    """Pending events that are the oldest pending one of their subject (RFC 8936 poll).

    A subject's next event is offered only once the previous one is
    acknowledged: the receiver sees each person's events in order even though
    the ``sets`` member of a poll response is an unordered JSON object.
    """
    earlier = StreamEvent.objects.filter(
        PENDING, stream=stream, subject=OuterRef("subject"), id__lt=OuterRef("id")
    )
    return pending_events(stream=stream).exclude(Exists(earlier))


def streams_due(*, now):
    """Push streams with pending events whose back-off and lease have run out."""
    return (
        Stream.objects.filter(delivery_method=Stream.Method.PUSH, status=Stream.Status.ENABLED)
        .exclude(endpoint_url="")
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .filter(Exists(StreamEvent.objects.filter(PENDING, stream=OuterRef("pk"))))
    )


def streams_overview():
    """Streams with their pending-event counts (back-office)."""
    return Stream.objects.select_related("platform").annotate(
        pending_count=Count(
            "events", filter=Q(events__delivered_at__isnull=True, events__rejected_at__isnull=True)
        ),
        rejected_count=Count("events", filter=Q(events__rejected_at__isnull=False)),
    )
