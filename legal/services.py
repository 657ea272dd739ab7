"""Writes of the legal app.

- CGU drafts are created and edited freely; ``cgu_publish`` freezes a draft (text
  hash stored) and fixes its effective instant, never in the past. A published
  version is never edited again (refused here, in the admin and by the database).
- ``cgu_accept`` appends a proof of acceptance; nothing updates or deletes one.
- ``cgu_decline`` journals a refusal (the account stays open).
- ``consent_record`` appends a proof of a cookie choice.
"""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import hooks

from . import selectors
from .models import CGUAcceptance, CGUVersion, ConsentRecord, text_hash


def _check_draft(version: CGUVersion) -> None:
    if version.status != CGUVersion.Status.DRAFT:
        raise ValidationError(
            _("Une version publiée des CGU ne peut plus être modifiée."), code="published"
        )


def cgu_draft_create(
    *,
    label: str,
    text: str,
    summary: str = "",
    effective_at: datetime | None = None,
) -> CGUVersion:
    """Create a draft version (not visible to users, not in force)."""
    if not label.strip() or not text.strip():
        raise ValidationError(_("Le libellé et le texte sont obligatoires."), code="required")
    return CGUVersion.objects.create(
        label=label.strip(), text=text, summary=summary, effective_at=effective_at
    )


def cgu_draft_update(
    *,
    version: CGUVersion,
    label: str,
    text: str,
    summary: str = "",
    effective_at: datetime | None = None,
) -> CGUVersion:
    """Edit a draft. Refuses (ValidationError) once the version is published."""
    with transaction.atomic():
        current = CGUVersion.objects.select_for_update().get(pk=version.pk)
        _check_draft(current)
        if not label.strip() or not text.strip():
            raise ValidationError(_("Le libellé et le texte sont obligatoires."), code="required")
        current.label = label.strip()
        current.text = text
        current.summary = summary
        current.effective_at = effective_at
        current.save(update_fields=["label", "text", "summary", "effective_at"])
    return current


def cgu_publish(*, version: CGUVersion, actor, now: datetime) -> CGUVersion:
    """Publish a draft: store its text hash, its publication and effective instants.

    The effective instant is the draft's (if set) or ``now``; it may be in the future
    but never in the past, so publishing never changes which text bound users before.
    Refuses an instant already taken by another published version. Publishing an
    already published version is a no-op.
    """
    with transaction.atomic():
        current = CGUVersion.objects.select_for_update().get(pk=version.pk)
        if current.status == CGUVersion.Status.PUBLISHED:
            return current
        effective_at = current.effective_at or now
        if effective_at < now:
            raise ValidationError(
                _(
                    "La date d'entrée en vigueur est passée : choisissez une date future "
                    "ou laissez-la vide pour une entrée en vigueur immédiate."
                ),
                code="effective_in_past",
            )
        if CGUVersion.objects.filter(
            status=CGUVersion.Status.PUBLISHED, effective_at=effective_at
        ).exists():
            raise ValidationError(
                _("Une autre version publiée entre déjà en vigueur à cet instant."),
                code="effective_taken",
            )
        current.status = CGUVersion.Status.PUBLISHED
        current.published_at = now
        current.effective_at = effective_at
        current.text_hash = text_hash(current.text)
        current.published_by = actor
        try:
            with transaction.atomic():
                current.save(
                    update_fields=[
                        "status",
                        "published_at",
                        "effective_at",
                        "text_hash",
                        "published_by",
                    ]
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("Une autre version publiée entre déjà en vigueur à cet instant."),
                code="effective_taken",
            ) from exc
        # Forget the cached timeline now and again once committed (a request between
        # the two could have cached the state before this publication).
        selectors.cgu_forget_timeline()
        transaction.on_commit(selectors.cgu_forget_timeline)
    return current


def cgu_accept(
    *,
    user,
    version: CGUVersion,
    now: datetime,
    ip_address: str | None,
    user_agent: str,
    context: str,
) -> CGUAcceptance:
    """Record that ``user`` accepted ``version`` (append-only proof; journaled).

    Refuses a draft and a version whose text no longer matches its hash. When the
    user already accepted this version, returns that record and writes nothing.
    """
    with transaction.atomic():
        current = CGUVersion.objects.get(pk=version.pk)
        if not current.is_published:
            raise ValidationError(_("Cette version des CGU n'est pas publiée."), code="draft")
        if not current.is_intact:
            raise ValidationError(
                _("Le texte de cette version ne correspond plus à son empreinte."),
                code="tampered",
            )
        existing = CGUAcceptance.objects.filter(user=user, version=current).first()
        if existing is not None:
            return existing
        acceptance = CGUAcceptance.objects.create(
            user=user,
            version=current,
            version_hash=current.text_hash,
            accepted_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:512],
            context=context,
        )
        hooks.journal(
            user=user,
            actor=user,
            action="cgu_accepted",
            at=now,
            reason=context,
            data={"version": current.pk, "label": current.label, "hash": current.text_hash},
        )
    return acceptance


def cgu_publish_confirmed(
    *, version: CGUVersion, actor, now: datetime, ip_address: str | None, user_agent: str
) -> CGUVersion:
    """Publish ``version`` from the back-office confirmation page; the publisher accepts it.

    The publisher has just read the rendered text and confirmed it: that is his
    acceptance too (context "publication"), so the gate does not send him to accept
    the version he published. Both in one transaction; raises ValidationError as
    ``cgu_publish`` does, and then nothing is written.
    """
    with transaction.atomic():
        published = cgu_publish(version=version, actor=actor, now=now)
        cgu_accept(
            user=actor,
            version=published,
            now=now,
            ip_address=ip_address,
            user_agent=user_agent,
            context=CGUAcceptance.Context.PUBLICATION,
        )
    return published


def cgu_decline(*, user, version: CGUVersion, now: datetime) -> None:
    """Journal that ``user`` refused ``version`` (the view then signs him out).

    Nothing else changes: the account stays open and is gated again at next sign-in.
    """
    hooks.journal(
        user=user,
        actor=user,
        action="cgu_declined",
        at=now,
        data={"version": version.pk, "label": version.label},
    )


def consent_record(
    *,
    subject_id: UUID,
    user,
    audience: bool,
    notice_version: str,
    now: datetime,
) -> ConsentRecord:
    """Append the proof of one cookie choice (categories, instant, notice version, who)."""
    return ConsentRecord.objects.create(
        subject_id=subject_id,
        user=user if user is not None and user.is_authenticated else None,
        categories={"necessary": True, "audience": bool(audience)},
        notice_version=notice_version,
        recorded_at=now,
    )
