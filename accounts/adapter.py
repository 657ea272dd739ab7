"""django-allauth adapter: sign-up attaches the organisation in the same transaction."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils import timezone

from . import services


class AccountAdapter(DefaultAccountAdapter):
    """Project adapter.

    ``save_user`` creates the account and attaches it to its organisation in one
    transaction: a failure leaves neither behind.
    """

    def clean_email(self, email: str) -> str:
        """Refuse blocklisted emails and domains (sign-up and email change alike)."""
        from .blocklist import check_email

        email = super().clean_email(email)
        check_email(email)
        return email

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=False)
            data = form.cleaned_data
            user.first_name = data["first_name"].strip()
            user.last_name = data["last_name"].strip()
            user.email = user.email.lower()
            now = timezone.now()
            user.date_joined = now
            if commit:
                user.save()
                services.signup_organisation_attach(
                    user=user,
                    siret=data["siret"],
                    kind=data.get("organisation_kind") or "entreprise",
                    legal_name=(data.get("organisation_name") or "").strip(),
                    is_legal_representative=data["declaration"] == "legal_representative",
                    now=now,
                )
        return user
