"""Factories and helpers for the legal app."""

from datetime import datetime

import factory

from legal import services
from legal.models import CGUVersion


class CGUVersionFactory(factory.django.DjangoModelFactory):
    """A draft version; publish it with ``publish``."""

    class Meta:
        model = CGUVersion

    label = factory.Sequence(lambda n: f"Version {n}")
    text = factory.Sequence(lambda n: f"# CGU {n}\n\nArticle 1. Le compte est personnel.\n")
    summary = "Première version."


def publish(*, now: datetime, effective_at: datetime | None = None, actor=None, **fields):
    """Create a draft and publish it at ``now`` (effective at ``effective_at`` or ``now``)."""
    draft = CGUVersionFactory(effective_at=effective_at, **fields)
    return services.cgu_publish(version=draft, actor=actor, now=now)
