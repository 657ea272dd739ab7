"""Celery tasks of the Shared Signals transmitter (thin: time, then one service).

- ``ssf_stream_push``: queued after the commit that wrote events; pushes one
  stream. Idempotent (a lease and the pending rows decide what is sent).
- ``ssf_push_due``: beat, every minute; re-picks every stream whose back-off
  ran out, so that nothing is lost when a worker died or the broker dropped
  the queued task.
- ``ssf_events_prune``: beat, daily; deletes delivered events past retention.
"""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="platforms.ssf.tasks.ssf_stream_push", acks_late=True)
def ssf_stream_push(*, stream_pk: int) -> str:
    return services.stream_push(stream_pk=stream_pk, now=timezone.now())


@shared_task(name="platforms.ssf.tasks.ssf_push_due")
def ssf_push_due() -> dict:
    return services.streams_push_due(now=timezone.now())


@shared_task(name="platforms.ssf.tasks.ssf_events_prune")
def ssf_events_prune() -> int:
    return services.events_prune(now=timezone.now())
