"""Back-office (Django admin) for accounts and organisations.

Other apps extend ``UserAdmin`` by subclassing it and re-registering (lifecycle
adds its state, actions and journal), so its name is part of the app's API.
Subclasses should extend, not replace: ``list_filter``, ``readonly_fields`` and
``inlines`` are plain lists to add to (``[*UserAdmin.list_filter, ...]``), and
``get_readonly_fields`` / ``get_search_results`` call ``super()``.

Built for a million users: no full ``COUNT(*)`` (``show_full_result_count``),
related rows fetched with the list (``list_select_related``), foreign keys
picked by autocomplete, searches that an index serves (see
``UserAdmin.get_search_results``), filters as ``EXISTS`` subqueries (no join,
no ``DISTINCT``).

End users and staff are two pages. The end user's page (``UserAdmin``) shows
his identity, his dates, his organisations with their accesses and whatever the
apps above add (``ACCOUNTS_USER_ADMIN_INLINES``: journal, CGU acceptances,
consents, proofs) and never a staff field (``is_staff``, ``is_superuser``,
groups, permissions). Staff accounts are managed on the staff page
(``StaffUserAdmin``, permission ``accounts.change_staffuser``, group
"Administrateur OPCO"):

- only a superuser edits ``is_staff``, ``is_superuser``, ``is_active`` and
  individual permissions, and only he edits any group;
- an "Administrateur OPCO" assigns the two staff groups (``STAFF_GROUPS``) to
  *other* staff accounts, never to himself; groups outside those two that a
  superuser gave are kept untouched when he saves.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from platforms import services as platform_services
from platforms.models import Access, Platform, Role
from platforms.services import access_check

from . import selectors, services
from .models import Invitation, JoinRequest, Membership, Organisation, StaffUser, User

STAFF_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]
# The groups an "Administrateur OPCO" may hand out (created by migration 0003).
STAFF_GROUPS = ["Agent OPCO", "Administrateur OPCO"]

IDENTITY_FIELDS = ["email", "first_name", "last_name", "phone"]
DATE_FIELDS = ["date_joined", "last_login", "last_activity_at"]


class BoundedCountPaginator(Paginator):
    """Counts at most ``limit`` rows: ``SELECT COUNT(*) FROM (… LIMIT n)``.

    For the smaller back-office lists (organisations, accesses, invitations…):
    an exact count of a large table is a full scan at every page view. The
    user list reads no count at all (``LookAheadPaginator``).
    """

    limit = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.limit].count()


def _page_number(request) -> int:
    try:
        return int(request.GET.get(PAGE_VAR, 1))
    except ValueError:
        return 1


class LookAheadPaginator(Paginator):
    """One query per page and no ``COUNT``: the page's rows and one row more.

    For page ``p`` of ``n`` rows it reads rows ``(p-1)·n`` to ``p·n`` (``n + 1``
    rows, in the list's order, ``LIMIT n + 1 OFFSET (p-1)·n``). The count it
    reports is the offset plus the rows read: exact when the list ends on this
    page (``exact``), otherwise ``p·n + 1`` — "there is a next page" — and
    the list shows the pages up to the next one. Under a filter on accesses
    or organisations the database thus probes only as many accounts as it
    takes to find the page's rows plus one, never a count's worth ahead.
    """

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_number=1
    ):
        super().__init__(object_list, per_page, 0, allow_empty_first_page)
        self.page_number = max(1, page_number)

    @cached_property
    def window(self) -> list:
        offset = (self.page_number - 1) * self.per_page
        return list(self.object_list[offset : offset + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return (self.page_number - 1) * self.per_page + len(self.window)

    @property
    def exact(self) -> bool:
        """False when more rows follow the page than the count says (a lower bound)."""
        return len(self.window) <= self.per_page

    @property
    def bounded(self) -> bool:
        return not self.exact

    def page(self, number):
        number = self.validate_number(number)
        if number != self.page_number:
            return super().page(number)
        return self._get_page(self.window[: self.per_page], number, self)


class LookAheadChangeList(ChangeList):
    """Django's change list, showing a one-page list from the rows already read.

    Django lists a list that fits on one page from the queryset again (a second
    query); here it is the paginator's window.
    """

    def get_results(self, request):
        super().get_results(request)
        if not self.multi_page and self.paginator.page_number == 1:
            self.result_list = self.paginator.page(1).object_list


class LookAheadMixin:
    """Admin lists paginated by ``LookAheadPaginator``: one query a page, no count.

    "Show all" is offered only for a list that fits on one page (a bounded
    count is never small enough to list a million rows at once), and the
    sidebar's facet counts are never computed (a count per filter value).
    """

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = LookAheadPaginator

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, page_number=_page_number(request)
        )

    def get_changelist(self, request, **kwargs):
        return LookAheadChangeList


# --- Filters: EXISTS subqueries, so a user with many accesses is listed once ----


class OrganisationKindFilter(admin.SimpleListFilter):
    title = _("type d'organisation")
    parameter_name = "organisation_kind"

    def lookups(self, request, model_admin):
        return Organisation.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            memberships = Membership.objects.filter(
                user=OuterRef("pk"), organisation__kind=self.value()
            )
            return queryset.filter(Exists(memberships))
        return queryset


class _AccessFilter(admin.SimpleListFilter):
    """Users holding an access matching ``field`` = the chosen code.

    The code is resolved to its id from the lookups already read for the
    sidebar, so the subquery filters ``platforms_access`` on the id itself:
    no join to the platform or role table per probed user, and PostgreSQL
    plans with that id's own statistics (a rare role is looked up from the
    accesses, a common one by walking the list in order).
    """

    field = ""
    model = None

    def offered(self):
        return self.model.objects.all()

    def lookups(self, request, model_admin):
        rows = list(self.offered().values_list("pk", "code", "name"))
        self.ids = {code: pk for pk, code, _name in rows}
        return [(code, name) for _pk, code, name in rows]

    def queryset(self, request, queryset):
        if self.value():
            accesses = Access.objects.filter(
                membership__user=OuterRef("pk"), **{f"{self.field}_id": self.ids.get(self.value())}
            )
            return queryset.filter(Exists(accesses))
        return queryset


class PlatformFilter(_AccessFilter):
    title = _("plateforme")
    parameter_name = "platform"
    field = "platform"
    model = Platform

    def offered(self):
        # A platform that offers no role has no access to filter on.
        return Platform.objects.filter(
            Exists(Platform.roles.through.objects.filter(platform=OuterRef("pk")))
        )


class RoleFilter(_AccessFilter):
    title = _("rôle")
    parameter_name = "role"
    field = "role"
    model = Role


class MembershipPlatformFilter(PlatformFilter):
    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    Access.objects.filter(membership=OuterRef("pk"), platform__code=self.value())
                )
            )
        return queryset


class MembershipRoleFilter(RoleFilter):
    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(Access.objects.filter(membership=OuterRef("pk"), role__code=self.value()))
            )
        return queryset


# --- Users ---------------------------------------------------------------------


class UserPageInline(admin.TabularInline):
    """A read-only table on the end user's page (journal, acceptances, consents, proofs).

    Readable by whoever may view the user (``accounts.view_user``): an agent
    reviewing an account sees its whole file without a permission per table;
    nobody adds, changes or deletes rows from here.
    """

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields or [])

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("accounts.view_user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    """The user's organisations; edited on the membership (permission kept in step there)."""

    model = Membership
    fk_name = "user"
    fields = [
        "organisation",
        "is_administrator",
        "is_legal_representative",
        "created_at",
        "accesses_held",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("organisation")
    verbose_name_plural = _("Organisations et accès")

    def get_queryset(self, request):
        accesses = Access.objects.select_related("platform", "role").order_by("platform__name")
        return (
            super()
            .get_queryset(request)
            .select_related("organisation")
            .prefetch_related(Prefetch("accesses", queryset=accesses))
        )

    @admin.display(description=_("accès (plateforme : rôle)"))
    def accesses_held(self, obj):
        rows = [(a.platform.name, a.role.name) for a in obj.accesses.all()]
        if not rows:
            return _("Aucun accès")
        return format_html_join("", "<div>{} : {}</div>", rows)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(LookAheadMixin, admin.ModelAdmin):
    list_display = [
        "email",
        "last_name",
        "first_name",
        "is_active",
        "is_staff",
        "last_activity_at",
        "date_joined",
    ]
    search_fields = ["email", "last_name", "first_name"]
    search_help_text = _(
        "Une partie de l'e-mail (par exemple le domaine : @transports-demo.fr), du nom ou du "
        "prénom ; ou le SIREN ou le SIRET d'une organisation."
    )
    list_filter = ["is_active", "is_staff", OrganisationKindFilter, PlatformFilter, RoleFilter]
    readonly_fields = ["is_active", *DATE_FIELDS]
    fieldsets = [
        (_("Identité"), {"fields": IDENTITY_FIELDS}),
        (_("Dates"), {"fields": ["is_active", *DATE_FIELDS]}),
    ]
    add_fieldsets = [(_("Identité"), {"fields": IDENTITY_FIELDS})]
    inlines = [MembershipInline]
    # A screenful an agent reads (and ~50 rows of template, not Django's 100).
    list_per_page = 50
    list_max_show_all = list_per_page
    # Newest first by primary key (indexed); date_joined has no index.
    ordering = ["-pk"]
    exclude = ["password"]

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """Django's selection checkbox, same HTML, without a widget template per row.

        ``CheckboxInput.render`` goes through the form renderer's templates: about
        a millisecond per row of the list, the largest part of its rendering.
        """
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django's French "Modification de utilisateur" lacks the elision.
        if object_id is None:
            title = _("Ajouter un utilisateur")
        elif self.has_change_permission(request):
            title = _("Modifier l'utilisateur")
        else:
            title = _("Consulter l'utilisateur")
        extra_context = {"title": title, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """Searches an index serves, whatever the table size.

        - 9 or 14 digits: users of the organisations with that SIREN / SIRET;
        - otherwise each word must appear somewhere in the email (lower-cased
          like the stored emails), the last name or the first name: a domain
          (``@transports-demo.fr``) or a fragment (``upon`` finds Dupont). On
          PostgreSQL the ``pg_trgm`` GIN indexes of migration 0007 serve these
          ``LIKE '%…%'``; SQLite scans.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = selectors.search_identifier(term)
        if digits:
            memberships = Membership.objects.filter(user=OuterRef("pk")).filter(
                selectors.organisation_identifier_q(digits, "organisation__")
            )
            return queryset.filter(Exists(memberships)), False
        condition = Q()
        for word in term.split():
            if "@" in word:
                condition &= Q(email__contains=word.lower())
            else:
                condition &= (
                    Q(email__contains=word.lower())
                    | Q(last_name__icontains=word)
                    | Q(first_name__icontains=word)
                )
        return queryset.filter(condition), False

    # --- The end user's page: no staff field, ever ---------------------------------

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_inlines(self, request, obj):
        """Built-in inlines, then those of the apps above (``ACCOUNTS_USER_ADMIN_INLINES``)."""
        if obj is None:
            return []
        extra = [import_string(path) for path in settings.ACCOUNTS_USER_ADMIN_INLINES]
        return [*self.inlines, *extra]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A staff account is managed on the staff page, for whoever may see it there.
        obj = self.get_object(request, object_id)
        if (
            self.model is User
            and self._is_staff_account(obj)
            and request.user.has_perm("accounts.view_staffuser")
        ):
            return redirect(reverse("admin:accounts_staffuser_change", args=[obj.pk]))
        return super().change_view(request, object_id, form_url, extra_context)

    def _is_staff_account(self, obj) -> bool:
        return obj is not None and (obj.is_staff or obj.is_superuser)

    def has_change_permission(self, request, obj=None):
        if self._is_staff_account(obj) and not request.user.has_perm("accounts.change_staffuser"):
            return False
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._is_staff_account(obj) and not request.user.has_perm("accounts.delete_staffuser"):
            return False
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(StaffUser)
class StaffUserAdmin(UserAdmin):
    """OPCO staff accounts. A new one has no password: it is set through "mot de passe oublié".

    Who edits what (checked on the form, so a forged POST changes nothing else):
    a superuser edits every field; an "Administrateur OPCO" edits the identity of
    other staff accounts and gives them one of ``STAFF_GROUPS``; on his own
    account he edits nothing but his identity. Nobody else changes a staff account.
    """

    list_display = ["email", "last_name", "first_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "groups"]
    inlines = []
    filter_horizontal = ["groups"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=True)

    def get_inlines(self, request, obj):
        return []

    def _may_assign_groups(self, request, obj) -> bool:
        return request.user.is_superuser or (obj is None or obj.pk != request.user.pk)

    def get_fieldsets(self, request, obj=None):
        access = ["groups"]
        if request.user.is_superuser:
            access = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
        if obj is None:
            return [(_("Identité"), {"fields": IDENTITY_FIELDS}), (_("Rôle"), {"fields": access})]
        return [
            (_("Identité"), {"fields": IDENTITY_FIELDS}),
            (_("Rôle et accès au back-office"), {"fields": access}),
            (_("Dates"), {"fields": DATE_FIELDS}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(DATE_FIELDS) if obj is not None else []
        if not self._may_assign_groups(request, obj):
            fields.append("groups")
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=STAFF_GROUPS).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.email = obj.email.strip().lower()
            obj.is_staff = True
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The form only offers STAFF_GROUPS to a non-superuser: keep the other groups.
        kept = []
        if change and not request.user.is_superuser:
            kept = list(form.instance.groups.exclude(name__in=STAFF_GROUPS))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)


# --- Organisations and memberships ------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "siret", "siren", "kind", "created_at"]
    search_fields = ["legal_name", "=siren", "=siret"]
    search_help_text = _("Raison sociale (début), SIREN ou SIRET.")
    list_filter = ["kind"]
    show_full_result_count = False
    paginator = BoundedCountPaginator
    ordering = ["legal_name"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = selectors.search_identifier(term)
        if digits:
            return queryset.filter(selectors.organisation_identifier_q(digits)), False
        return queryset.filter(legal_name__istartswith=term), False


class AccessInline(admin.TabularInline):
    """Accesses of a membership; grants and revocations go through platforms.services."""

    model = Access
    fields = ["platform", "role", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    autocomplete_fields = ["platform", "role"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("platform", "role", "granted_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class CheckedForm(formset.form):
            def clean(self):
                cleaned = super().clean()
                platform, role = cleaned.get("platform"), cleaned.get("role")
                if platform and role and not cleaned.get("DELETE"):
                    membership = getattr(self.instance, "membership", None)
                    organisation = membership.organisation if membership else None
                    access_check(platform=platform, role=role, organisation=organisation)
                return cleaned

        formset.form = CheckedForm
        return formset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "organisation",
        "is_administrator",
        "is_legal_representative",
        "created_at",
    ]
    list_select_related = ["user", "organisation"]
    list_filter = [
        "is_administrator",
        "organisation__kind",
        MembershipPlatformFilter,
        MembershipRoleFilter,
    ]
    search_fields = ["user__email", "=organisation__siren", "=organisation__siret"]
    search_help_text = _("E-mail du membre (début), SIREN ou SIRET de l'organisation.")
    autocomplete_fields = ["user", "organisation", "invited_by"]
    inlines = [AccessInline]
    show_full_result_count = False
    paginator = BoundedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = selectors.search_identifier(term)
        if digits:
            return queryset.filter(
                selectors.organisation_identifier_q(digits, "organisation__")
            ), False
        return queryset.filter(user__email__startswith=term.lower()), False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.membership_permission_sync(membership=obj)

    def delete_model(self, request, obj):
        services.membership_remove(
            membership=obj, actor=request.user, now=timezone.now(), force=True
        )

    def delete_queryset(self, request, queryset):
        now = timezone.now()
        for membership in queryset:
            services.membership_remove(
                membership=membership, actor=request.user, now=now, force=True
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Access:
            return super().save_formset(request, form, formset, change)
        now = timezone.now()
        instances = formset.save(commit=False)
        for access in formset.deleted_objects:
            platform_services.access_revoke(access=access, revoked_by=request.user, now=now)
        for access in instances:
            if access.pk is None:
                platform_services.access_grant(
                    membership=form.instance,
                    platform=access.platform,
                    role=access.role,
                    granted_by=request.user,
                    now=now,
                )
            else:
                platform_services.access_revoke(access=access, revoked_by=request.user, now=now)
                platform_services.access_grant(
                    membership=form.instance,
                    platform=access.platform,
                    role=access.role,
                    granted_by=request.user,
                    now=now,
                )
        return None


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent by organisation administrators; OPCO may extend or end one."""

    list_display = [
        "email",
        "organisation",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_select_related = ["organisation", "invited_by"]
    list_filter = ["organisation__kind", "is_administrator"]
    search_fields = ["email", "=organisation__siren", "=organisation__siret"]
    readonly_fields = [
        "organisation",
        "email",
        "invited_by",
        "token",
        "created_at",
        "accepted_at",
        "accepted_by",
    ]
    show_full_result_count = False
    paginator = BoundedCountPaginator
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Join requests are decided through the services (approval creates the membership)."""

    list_display = ["user", "organisation", "status", "created_at", "decided_at", "decided_by"]
    list_select_related = ["user", "organisation", "decided_by"]
    list_filter = ["status", "organisation__kind"]
    search_fields = ["user__email", "=organisation__siren", "=organisation__siret"]
    readonly_fields = [
        "user",
        "organisation",
        "is_legal_representative",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    actions = ["approve", "refuse"]
    show_full_result_count = False
    paginator = BoundedCountPaginator
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Accepter les demandes sélectionnées"), permissions=["change"])
    def approve(self, request, queryset):
        now = timezone.now()
        done = sum(
            services.join_request_approve(join_request=jr, actor=request.user, now=now) is not None
            for jr in queryset.select_related("user", "organisation")
        )
        self.message_user(request, _("%(n)d demande(s) acceptée(s).") % {"n": done})

    @admin.action(description=_("Refuser les demandes sélectionnées"), permissions=["change"])
    def refuse(self, request, queryset):
        now = timezone.now()
        done = sum(
            services.join_request_refuse(join_request=jr, actor=request.user, now=now)
            for jr in queryset.select_related("user", "organisation")
        )
        self.message_user(request, _("%(n)d demande(s) refusée(s).") % {"n": done})
