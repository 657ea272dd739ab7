"""The mail providers' tracking webhooks, hardened.

anymail answers 500 when an authenticated request carries a body it cannot
parse (``json.loads`` or a missing key raises), which a provider retries
forever and which reads as a server fault in the logs. Here a body that does
not parse answers 400 and changes nothing; authentication (HTTP basic with
``ANYMAIL["WEBHOOK_SECRET"]``) still runs first, so an anonymous caller learns
nothing. Hard bounces then reach ``lifecycle.signals`` as before.
"""

from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from django.http import HttpResponseBadRequest

MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError)


class _MalformedPayload(Exception):
    pass


class _RejectMalformedMixin:
    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except MALFORMED as error:
            raise _MalformedPayload from error

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except _MalformedPayload:
            return HttpResponseBadRequest("Malformed tracking payload.")


class BrevoTrackingWebhook(_RejectMalformedMixin, BrevoTrackingWebhookView):
    pass


class MailjetTrackingWebhook(_RejectMalformedMixin, MailjetTrackingWebhookView):
    pass
