"""Edges of the privacy app (signals only at the boundary with other apps).

- allauth's ``password_reset``: a user who sets a new password through the link
  an agent issued after lost credentials gets his suspension lifted.
- ``ProofDocument`` deletion (explicit, or cascaded from the user's deletion):
  the file is removed from disk after commit, so deleted accounts leave no
  uploaded document behind.
"""

from allauth.account.signals import password_reset
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from .models import ProofDocument
from .services import lost_credentials_access_restored, proof_document_path


@receiver(password_reset, dispatch_uid="privacy_lost_credentials_reset")
def _on_password_reset(sender, request, user, **kwargs):
    lost_credentials_access_restored(user=user, now=timezone.now())


@receiver(post_delete, sender=ProofDocument, dispatch_uid="privacy_proof_file_cleanup")
def _on_proof_document_deleted(sender, instance, **kwargs):
    path = proof_document_path(instance)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
