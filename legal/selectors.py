"""Reads of the legal app: the CGU in force, archives, acceptances, legal facts.

The version in force at ``now`` is the latest published version whose
``effective_at`` is at or before ``now``; the database forbids two published
versions with the same effective instant, so there is never a tie.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, QuerySet

from platforms.models import Platform

from .models import CGUAcceptance, CGUVersion, SiteSettings


def cgu_published() -> QuerySet[CGUVersion]:
    """Every published version, the most recent effective instant first."""
    return CGUVersion.objects.filter(status=CGUVersion.Status.PUBLISHED).order_by(
        "-effective_at", "-pk"
    )


def cgu_in_force(*, now: datetime) -> CGUVersion | None:
    """The single version binding users at ``now`` (None before the first one)."""
    return cgu_published().filter(effective_at__lte=now).first()


TIMELINE_CACHE_KEY = "legal:cgu-timeline:v1"
TIMELINE_CACHE_SECONDS = 300


def cgu_timeline() -> list[tuple[datetime, int]]:
    """(effective_at, pk) of every published version, latest first; cached.

    Published versions are immutable, so the cache only goes stale when a version is
    published: ``legal.services.cgu_publish`` forgets it. The in-force version at any
    instant is computed from it in Python, so an effective instant in the future
    takes effect on time without any invalidation.
    """
    timeline = cache.get(TIMELINE_CACHE_KEY)
    if timeline is None:
        timeline = list(cgu_published().values_list("effective_at", "pk"))
        cache.set(TIMELINE_CACHE_KEY, timeline, TIMELINE_CACHE_SECONDS)
    return timeline


def cgu_forget_timeline() -> None:
    cache.delete(TIMELINE_CACHE_KEY)


def cgu_in_force_id(*, now: datetime) -> int | None:
    """The pk of the version in force at ``now``, from the cached timeline (no query)."""
    for effective_at, pk in cgu_timeline():
        if effective_at <= now:
            return pk
    return None


def cgu_last_acceptance(*, user) -> CGUAcceptance | None:
    """The user's most recent acceptance, with its version."""
    return (
        CGUAcceptance.objects.filter(user=user)
        .select_related("version")
        .order_by("-accepted_at", "-pk")
        .first()
    )


def cgu_has_accepted(*, user, version: CGUVersion | int) -> bool:
    """Whether ``user`` accepted ``version`` (a version or its pk)."""
    return CGUAcceptance.objects.filter(user=user, version=version).exists()


def cgu_first_acceptances(*, user) -> dict[int, datetime]:
    """When ``user`` first accepted each version, by version pk (one query)."""
    accepted: dict[int, datetime] = {}
    rows = CGUAcceptance.objects.filter(user=user).order_by("accepted_at")
    for version_id, accepted_at in rows.values_list("version_id", "accepted_at"):
        accepted.setdefault(version_id, accepted_at)
    return accepted


def cgu_pending_for(*, user, now: datetime) -> CGUVersion | None:
    """The version in force if ``user`` has not accepted it yet, else None."""
    version = cgu_in_force(now=now)
    if version is None or cgu_has_accepted(user=user, version=version):
        return None
    return version


def cgu_versions_with_counts() -> QuerySet[CGUVersion]:
    """Versions annotated with ``acceptance_count`` (back-office)."""
    return CGUVersion.objects.annotate(acceptance_count=Count("acceptances"))


def cgu_acceptances_for_export(*, user=None, version=None) -> QuerySet[CGUAcceptance]:
    """Acceptances of one user or of one version, oldest first, for a CSV export."""
    queryset = CGUAcceptance.objects.select_related("user", "version").order_by(
        "accepted_at", "pk"
    )
    if user is not None:
        queryset = queryset.filter(user=user)
    if version is not None:
        queryset = queryset.filter(version=version)
    return queryset


def site_settings() -> SiteSettings:
    """The legal facts of the site (an empty, unsaved record before anyone fills them)."""
    return SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1)


def platforms_for_legal_notice() -> QuerySet[Platform]:
    """Every platform, centralised or not: each has an editor, a host and a designer."""
    return Platform.objects.order_by("position", "name")


def cgu_publication_audience(*, exclude=None) -> int:
    """How many accounts a newly published version will ask to accept.

    Every account that can sign in (``is_active``), except ``exclude`` (the
    publisher, whose confirmation is his acceptance). One ``COUNT``.
    """
    accounts = get_user_model().objects.filter(is_active=True)
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude.pk)
    return accounts.count()
