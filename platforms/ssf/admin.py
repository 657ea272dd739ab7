"""Back-office of the Shared Signals transmitter (OPCO staff).

Streams: state, delivery method, pending and refused events, consecutive
failures, next attempt and last error. Events: one row per SET with its
delivery state and error, filterable. Both are read-only records; the only
write is the action "Relancer la livraison", which needs
``ssf.change_streamevent`` (checked by Django for every action call) and goes
through ``services.events_retry``.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_security import ReadOnlyModelAdmin

from . import selectors, services
from .models import Stream, StreamEvent


class RetryMixin:
    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("ssf.change_streamevent")

    def _retried(self, request, count: int) -> None:
        self.message_user(
            request,
            ngettext(
                "%(count)d événement remis en file de livraison.",
                "%(count)d événements remis en file de livraison.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Stream)
class StreamAdmin(RetryMixin, ReadOnlyModelAdmin):
    list_display = [
        "platform",
        "status",
        "delivery_method",
        "pending",
        "rejected",
        "failures",
        "next_attempt_at",
        "last_error_at",
        "short_error",
    ]
    list_filter = ["status", "delivery_method"]
    readonly_fields = [
        "stream_id",
        "platform",
        "status",
        "status_reason",
        "delivery_method",
        "endpoint_url",
        "events_requested",
        "description",
        "created_at",
        "updated_at",
        "last_verification_at",
        "failures",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "last_error_at",
    ]
    fields = readonly_fields
    actions = ["retry_stream"]

    def get_queryset(self, request):
        return selectors.streams_overview()

    @admin.display(description=_("en attente"), ordering="pending_count")
    def pending(self, obj):
        return obj.pending_count

    @admin.display(description=_("refusés"), ordering="rejected_count")
    def rejected(self, obj):
        return obj.rejected_count

    @admin.display(description=_("dernière erreur"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Relancer la livraison"), permissions=["retry"])
    def retry_stream(self, request, queryset):
        ids = StreamEvent.objects.filter(
            stream__in=queryset, delivered_at__isnull=True
        ).values_list("pk", flat=True)
        self._retried(request, services.events_retry(event_ids=ids, now=timezone.now()))


class DeliveryFilter(admin.SimpleListFilter):
    title = _("livraison")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("En attente")),
            ("rejected", _("Refusé par la plateforme")),
            ("delivered", _("Livré")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(selectors.PENDING)
        if self.value() == "rejected":
            return queryset.filter(rejected_at__isnull=False, delivered_at__isnull=True)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        return queryset


@admin.register(StreamEvent)
class StreamEventAdmin(RetryMixin, ReadOnlyModelAdmin):
    list_display = [
        "jti",
        "stream",
        "kind",
        "subject",
        "created_at",
        "delivered_at",
        "rejected_at",
        "attempts",
        "short_error",
    ]
    list_filter = [DeliveryFilter, "stream", "event_type"]
    list_select_related = ["stream__platform"]
    search_fields = ["=jti", "=subject"]
    show_full_result_count = False
    readonly_fields = [
        "jti",
        "stream",
        "event_type",
        "subject",
        "purged",
        "created_at",
        "delivered_at",
        "rejected_at",
        "attempts",
        "last_error",
        "payload",
    ]
    fields = readonly_fields
    actions = ["retry_events"]

    @admin.display(description=_("événement"), ordering="event_type")
    def kind(self, obj):
        return obj.event_type.rsplit("/", 1)[-1]

    @admin.display(description=_("dernière erreur"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Relancer la livraison"), permissions=["retry"])
    def retry_events(self, request, queryset):
        ids = queryset.values_list("pk", flat=True)
        self._retried(request, services.events_retry(event_ids=ids, now=timezone.now()))
