"""Choices of the lifecycle's models, below ``models`` and ``labels`` (both import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    SYSTEM = "system", _("Système")
    USER = "user", _("L'utilisateur")
    OPCO = "opco", _("Agent OPCO Mobilités")
    ORG_ADMIN = "org_admin", _("Administrateur d'organisation")


class NoticeKind(models.TextChoices):
    """``Notice.Kind``."""

    WARNING = "warning", _("Avertissement d'inactivité")
    DEACTIVATION = "deactivation", _("Avis de désactivation")
