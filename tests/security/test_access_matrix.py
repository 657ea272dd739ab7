"""Access-control matrix: every URL that names an object, requested by those who must not get it.

The test walks the project's whole URL tree (``get_resolver().url_patterns``),
keeps every pattern that takes a value (any converter or named group), builds a
URL for a real object of a *victim* organisation, and requests it (GET, then
POST) as:

- (a) anonymous,
- (b) a user of another organisation,
- (c) the administrator of another organisation,
- (d) an OPCO staff user (with MFA, so the MFA gate is not what stops him)
  holding no permission.

None may get the object: the answer is 403/404/405/400, a redirect (to sign-in
or elsewhere) that does not reveal the object, or a 200 page that contains none
of the object's markers; and a POST changes nothing. The victim organisation's
own administrator is requested too (GET only) and shown in the table for
reference, without assertion. The table is printed (visible without ``-s``).

URLs added by other branches are covered automatically: a kwarg is resolved to
a model by, in order, ``URL_KWARG_MODELS`` (explicit, per URL name), the admin
(``model_admin.model``), a class-based view's ``model``, ``KWARG_MODELS``, or
the ``<model>_<field>`` naming convention (``organisation_pk``, ``user_pk``,
``platform_code``...). An object of that model is built by ``OBJECT_FACTORIES``
or, for models without one, the first existing row. Anything unresolvable fails
the test with the mapping to add.

Bearer secrets (``key``, ``token``, ``uidb36``...: allauth's email
confirmation and password-reset links, invitation links) are the credential
themselves: possession is the authorisation. For them the matrix uses a forged
random value and checks that nobody gets an object by guessing.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import services
from tests.accounts.factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .conftest import give_totp, verified

pytestmark = pytest.mark.django_db

# --- How kwargs map to objects ------------------------------------------------

# Explicit (url name, kwarg) -> model label, for names no rule below resolves.
URL_KWARG_MODELS: dict[tuple[str, str], str] = {
    ("admin:view_on_site", "object_id"): "accounts.User",
    ("mfa_remove_webauthn", "pk"): "mfa.Authenticator",
    ("mfa_edit_webauthn", "pk"): "mfa.Authenticator",
    # Other branches' pages (inert until they are merged).
    ("legal:cgu_version", "pk"): "legal.CGUVersion",
    ("privacy:closure_withdraw", "pk"): "privacy.ClosureRequest",
    ("privacy:proof_detail", "pk"): "privacy.ProofRequest",
    ("privacy:proof_document", "pk"): "privacy.ProofDocument",
}

# Kwarg name -> model label, wherever it appears.
KWARG_MODELS: dict[str, str] = {
    "organisation_pk": "accounts.Organisation",
    "organisation_id": "accounts.Organisation",
    "org_pk": "accounts.Organisation",
    "user_pk": "accounts.User",
    "user_id": "accounts.User",
    "member_pk": "accounts.User",
    "membership_pk": "accounts.Membership",
    "invitation_pk": "accounts.Invitation",
    "join_request_pk": "accounts.JoinRequest",
    "request_pk": "accounts.JoinRequest",
}

# Kwargs that carry a bearer secret: requested with a forged value (see module doc).
BEARER_KWARGS = {"key", "token", "uidb36", "uidb64", "code", "secret"}

# (url name, kwarg) with a fixed, non-object value (the most dangerous one).
URL_KWARG_VALUES: dict[tuple[str, str], str] = {
    ("admin:lifecycle_user_operation", "operation"): "deactivate",
}

# Kwargs with a fixed, non-object value.
FIXED_KWARGS = {
    "app_label": lambda world: "accounts",
    "content_type_id": lambda world: str(ContentType.objects.get_for_model(world.victim).pk),
}

# Patterns that take a value but name no object: skipped, with the reason.
SKIPPED = {
    "admin:<catch-all>": "the admin's final catch-all (kwarg url): adds a slash or answers 404",
}

# Models whose objects are public by design (the table shows them, no assertion).
# CGU versions: every version that ever bound anyone is published in the archive.
PUBLIC_MODELS: set[str] = {"platforms.Platform", "platforms.Role", "legal.CGUVersion"}


@dataclass
class World:
    victim_org: object = None
    victim: object = None  # the victim organisation's administrator
    colleague: object = None
    objects: dict = field(default_factory=dict)  # model label -> instance
    markers: list = field(default_factory=list)


def _celery_beat_objects():
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    interval = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.DAYS)
    return {
        "django_celery_beat.IntervalSchedule": interval,
        "django_celery_beat.CrontabSchedule": CrontabSchedule.objects.create(minute="17"),
        "django_celery_beat.SolarSchedule": SolarSchedule.objects.create(
            event="sunrise", latitude=48.85, longitude=2.35
        ),
        "django_celery_beat.ClockedSchedule": ClockedSchedule.objects.create(
            clocked_time=timezone.now()
        ),
        "django_celery_beat.PeriodicTask": PeriodicTask.objects.create(
            name="victim-marker-task", task="victim.task", interval=interval
        ),
    }


def build_world() -> World:
    now = timezone.now()
    world = World()
    org = OrganisationFactory(legal_name="Victime Transports Marqueur")
    victim = verified(UserFactory(email="victime.marqueur@example.fr", last_name="Victimemarq"))
    services.membership_create(user=victim, organisation=org, is_administrator=True, now=now)
    colleague = verified(UserFactory(email="collegue.marqueur@example.fr"))
    membership = services.membership_create(
        user=colleague, organisation=org, is_administrator=False, now=now
    )
    world.victim_org, world.victim, world.colleague = org, victim, colleague

    oidc_client = OIDCClient.objects.create(name="Plateforme marqueur", id="victim-client")
    log_entry = LogEntry.objects.log_actions(
        user_id=victim.pk, queryset=[org], action_flag=ADDITION, single_object=True
    )
    world.objects = {
        "accounts.Organisation": org,
        "accounts.User": colleague,
        "accounts.Membership": membership,
        "accounts.Invitation": InvitationFactory(
            organisation=org, email="invite.marqueur@example.fr", invited_by=victim
        ),
        "accounts.JoinRequest": JoinRequestFactory(
            organisation=org, user=verified(UserFactory(email="demandeur.marqueur@example.fr"))
        ),
        "account.EmailAddress": EmailAddress.objects.get(user=colleague),
        "mfa.Authenticator": Authenticator.objects.create(
            user=colleague,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": "cle-marqueur", "credential": {}},
        ),
        "usersessions.UserSession": UserSession.objects.create(
            user=colleague,
            ip="192.0.2.77",
            session_key="victim" + secrets.token_hex(8),
            user_agent="navigateur-marqueur",
            created_at=now,
            last_seen_at=now,
        ),
        "allauth_idp_oidc.Client": oidc_client,
        "allauth_idp_oidc.Token": Token.objects.create(
            client=oidc_client, user=colleague, type=Token.Type.ACCESS_TOKEN, hash="m" * 64
        ),
        "auth.Group": Group.objects.create(name="Groupe marqueur"),
        "admin.LogEntry": log_entry,
        **_celery_beat_objects(),
    }
    world.markers = [
        org.legal_name,
        org.siret,
        victim.email,
        colleague.email,
        "invite.marqueur@example.fr",
        "demandeur.marqueur@example.fr",
        "cle-marqueur",
        "navigateur-marqueur",
    ]
    return world


# Factories for models the automatic builder below cannot make; add one when the
# test asks for it. Imports happen at call time: a label absent here is never asked.
def _imported_account(world: World):
    from django.utils import timezone

    from imports.models import ImportedAccount

    account, _created = ImportedAccount.objects.get_or_create(
        user=world.colleague, defaults={"imported_at": timezone.now()}
    )
    return account


OBJECT_FACTORIES: dict[str, callable] = {"imports.ImportedAccount": _imported_account}


def object_for(label: str, world: World):
    """The victim organisation's object of model ``label`` (built once per test)."""
    if label in world.objects:
        return world.objects[label]
    model = apps.get_model(label)
    if label in OBJECT_FACTORIES:
        obj = OBJECT_FACTORIES[label](world)
    else:
        obj = auto_object(model, world)
    if obj is None:
        obj = model._default_manager.order_by("pk").first()
    if obj is None:
        pytest.fail(
            f"test_access_matrix: no object of {label} to request. Add a factory to "
            f"OBJECT_FACTORIES[{label!r}] in tests/security/test_access_matrix.py "
            "(an object belonging to world.victim_org / world.victim)."
        )
    world.objects[label] = obj
    return obj


def auto_object(model, world: World):
    """Build an object of ``model`` tied to the victim organisation, or None.

    Required fields are filled: links to a user, an organisation or a membership
    point at the victim organisation's colleague and his membership; other links
    get an object built the same way; text gets a marker the matrix looks for.
    """
    if model._meta.proxy:
        concrete = object_for(model._meta.concrete_model._meta.label, world)
        return model._base_manager.filter(pk=concrete.pk).first()
    marker = f"marqueur-{model._meta.model_name}"
    values = {}
    owners = {"accounts.User", "accounts.Organisation", "accounts.Membership"}
    for f in model._meta.concrete_fields:
        owner_link = f.is_relation and f.related_model._meta.label in owners
        if f.primary_key or f.has_default() or getattr(f, "auto_now_add", False):
            continue
        if f.null and not owner_link:
            continue
        if getattr(f, "auto_now", False):
            continue
        if f.is_relation:
            values[f.name] = object_for(f.related_model._meta.label, world)
        elif f.blank and isinstance(f, models.CharField | models.TextField):
            continue
        elif f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.EmailField):
            values[f.name] = f"{marker}@example.fr"
        elif isinstance(f, models.CharField | models.TextField):
            values[f.name] = marker[: f.max_length or None]
        elif isinstance(f, models.DateTimeField):
            values[f.name] = timezone.now()
        elif isinstance(f, models.DateField):
            values[f.name] = timezone.localdate()
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            values[f.name] = 1
        elif isinstance(f, models.FileField):
            values[f.name] = f"{marker}.pdf"
        elif isinstance(f, models.JSONField):
            values[f.name] = {}
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.UUIDField):
            values[f.name] = uuid.uuid4()
        else:
            return None
    try:
        with transaction.atomic():
            obj = model._default_manager.create(**values)
    except Exception:
        return None
    world.markers.append(marker)
    return obj


# --- Walking the URL tree ------------------------------------------------------


@dataclass
class Route:
    name: str  # "namespace:name" or a description
    pattern: URLPattern
    route: str  # the pattern text, for the table
    namespace: str | None
    kwargs: list[str]


def _kwargs_of(pattern) -> list[str]:
    regex = pattern.regex
    names = list(regex.groupindex)
    if regex.groups and not names:
        names = [f"_{i}" for i in range(regex.groups)]
    return names


def walk(patterns, prefix="", namespace=None, inherited=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = ":".join(filter(None, [namespace, ns])) if ns else namespace
            yield from walk(
                entry.url_patterns,
                prefix + str(entry.pattern),
                full_ns,
                (*inherited, *_kwargs_of(entry.pattern)),
            )
        elif isinstance(entry, URLPattern):
            kwargs = [*inherited, *_kwargs_of(entry.pattern)]
            if not kwargs:
                continue
            name = entry.name
            if name is None:
                name = "<catch-all>" if kwargs == ["url"] else f"<unnamed {entry.pattern}>"
            full = f"{namespace}:{name}" if namespace else name
            yield Route(full, entry, prefix + str(entry.pattern), namespace, kwargs)


def model_for(route: Route, kwarg: str) -> str | None:
    if (route.name, kwarg) in URL_KWARG_MODELS:
        return URL_KWARG_MODELS[(route.name, kwarg)]
    callback = getattr(route.pattern, "callback", None)
    model_admin = getattr(callback, "model_admin", None)
    if model_admin is not None and kwarg == "object_id":
        return model_admin.model._meta.label
    admin_path = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if admin_path and kwarg in {"pk", "id", "object_id"}:
        try:
            return apps.get_model(*admin_path.groups())._meta.label
        except LookupError:
            pass
    view_class = getattr(callback, "view_class", None)
    view_model = getattr(view_class, "model", None)
    if view_model is not None and kwarg in {"pk", "id", "slug", "object_id"}:
        return view_model._meta.label
    if kwarg in KWARG_MODELS:
        return KWARG_MODELS[kwarg]
    stem, _, _field = kwarg.rpartition("_")
    if stem:
        candidates = [m for m in apps.get_models() if m._meta.model_name == stem.replace("_", "")]
        if len(candidates) == 1:
            return candidates[0]._meta.label
    return None


def value_for(route: Route, kwarg: str, world: World, labels: list[str]) -> str:
    if (route.name, kwarg) in URL_KWARG_VALUES:
        return URL_KWARG_VALUES[(route.name, kwarg)]
    if kwarg in FIXED_KWARGS:
        return FIXED_KWARGS[kwarg](world)
    if kwarg in BEARER_KWARGS:
        return secrets.token_urlsafe(16).replace("-", "x").replace("_", "y")
    label = model_for(route, kwarg)
    if label is None:
        pytest.fail(
            f"test_access_matrix: URL {route.name!r} ({route.route}) takes {kwarg!r}, which "
            "maps to no model. Add URL_KWARG_MODELS[(name, kwarg)] = 'app.Model' or "
            "KWARG_MODELS[kwarg] in tests/security/test_access_matrix.py; if the value is a "
            "bearer secret, add it to BEARER_KWARGS; if it names no object, to SKIPPED."
        )
    labels.append(label)
    obj = object_for(label, world)
    _stem, _, attr = kwarg.rpartition("_")
    if kwarg in {"pk", "id", "object_id"} or attr in {"pk", "id"} or not _stem:
        return str(obj.pk)
    if hasattr(obj, attr):
        return str(getattr(obj, attr))
    return str(obj.pk)


def build_url(route: Route, values: dict[str, str]) -> str:
    if "<unnamed" not in route.name:
        return reverse(route.name, kwargs=values)
    # An unnamed path() pattern (the admin's object redirect): fill the route text.
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route.route)


# --- Requesting -----------------------------------------------------------------


def make_roles(world: World) -> dict[str, Client]:
    now = timezone.now()
    other_org = OrganisationFactory(legal_name="Autre organisation")
    other_user = verified(MembershipFactory(organisation=other_org).user)
    other_admin = verified(UserFactory())
    services.membership_create(
        user=other_admin, organisation=other_org, is_administrator=True, now=now
    )
    staff = verified(UserFactory(is_staff=True, mfa=False))
    give_totp(staff)  # so the MFA gate is not what stops him
    roles = {
        "anonymous": Client(),
        "other org user": Client(),
        "other org admin": Client(),
        "staff, no perm": Client(),
        "victim admin (ref.)": Client(),
    }
    roles["other org user"].force_login(other_user)
    roles["other org admin"].force_login(other_admin)
    roles["staff, no perm"].force_login(staff)
    roles["victim admin (ref.)"].force_login(world.victim)
    for role, client in roles.items():
        if role != "anonymous":
            recently_reauthenticated(client)
    return roles


def recently_reauthenticated(client: Client) -> None:
    """Pass allauth's "confirm your password" gate, so the object check is what answers."""
    session = client.session
    user_id = session["_auth_user_id"]
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = user_id
    session.save()


def is_login_redirect(location: str) -> bool:
    path = location.split("?")[0]
    return path in {reverse("account_login"), reverse("admin:login")}


def leaked(response, markers) -> list[str]:
    if response.status_code in (301, 302, 303, 307, 308):
        text = response.get("Location", "")
    elif response.status_code == 200:
        if getattr(response, "streaming", False):
            text = b"".join(response.streaming_content).decode(errors="replace")
        else:
            text = response.content.decode(errors="replace")
    else:
        return []
    return [marker for marker in markers if marker in text]


def describe(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return "302→login" if is_login_redirect(response.get("Location", "")) else "302→other"
    return str(status)


CORE_LABELS = ("accounts.Organisation", "accounts.Membership", "accounts.User")


def snapshot(world: World, labels: list[str]) -> dict:
    """The state a POST must not change: the route's objects, the victim's people."""
    state = {}
    for label in {*labels, *CORE_LABELS}:
        obj = world.objects[label]
        model = type(obj)
        row = model._default_manager.filter(pk=obj.pk).first()
        state[label] = None if row is None else model_to_dict(row)
    for user in (world.victim, world.colleague):
        row = type(user)._default_manager.filter(pk=user.pk).first()
        state[f"user {user.pk}"] = None if row is None else model_to_dict(row)
    state["memberships"] = sorted(
        world.victim_org.memberships.values_list("user_id", "is_administrator")
    )
    return state


def test_no_one_gets_an_object_of_another_organisation(capsys):
    world = build_world()
    roles = make_roles(world)
    resolver = get_resolver()
    rows, failures, skipped = [], [], []

    for route in walk(resolver.url_patterns):
        skip_reason = SKIPPED.get(route.name)
        if skip_reason:
            skipped.append((route.name, skip_reason))
            continue
        labels: list[str] = []
        values = {kwarg: value_for(route, kwarg, world, labels) for kwarg in route.kwargs}
        try:
            url = build_url(route, values)
        except Exception:
            pytest.fail(f"test_access_matrix: cannot reverse {route.name!r} with {values}")
        public = any(label in PUBLIC_MODELS for label in labels)
        markers = list(world.markers)
        for label in labels:
            markers.append(str(object_for(label, world)))
        # What the requester typed in the URL reveals nothing (sign-in redirects echo it).
        markers = [marker for marker in markers if marker and marker not in url]
        row = [route.name, url if len(url) <= 60 else url[:57] + "..."]
        for role, client in roles.items():
            response = client.get(url)
            cell = describe(response)
            if role == "victim admin (ref.)":
                row.append(cell)
                continue
            leaks = leaked(response, markers)
            if leaks and not public:
                failures.append(f"GET {url} as {role}: {cell} shows {leaks}")
                cell += " LEAK"
            before = snapshot(world, labels)
            post = client.post(url, {})
            after = snapshot(world, labels)
            if before != after and not public:
                changed = [k for k in before if before[k] != after.get(k)]
                failures.append(f"POST {url} as {role}: {describe(post)} changed {changed}")
                cell += "/POST CHANGED"
            leaks = leaked(post, markers)
            if leaks and not public:
                failures.append(f"POST {url} as {role}: {describe(post)} shows {leaks}")
            cell += f" / {describe(post)}"
            row.append(cell + (" (public)" if public else ""))
        rows.append(row)

    header = ["url name", "url", *roles]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "",
        "Access-control matrix (GET / POST; objects of the victim organisation)",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
    ]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines += [f"skipped {name}: {reason}" for name, reason in skipped]
    with capsys.disabled():
        print("\n".join(lines))

    assert rows, "no URL with a kwarg found: the walk is broken"
    assert not failures, "\n".join(failures)


def test_walk_finds_the_urls_that_name_objects():
    names = {route.name for route in walk(get_resolver().url_patterns)}
    assert "admin:accounts_organisation_change" in names
    assert "mfa_edit_webauthn" in names
    assert "account_reset_password_from_key" in names


def test_unknown_kwarg_fails_loudly_with_the_mapping_to_add():
    route = Route("demo:thing", None, "thing/<int:gizmo_pk>/", "demo", ["gizmo_pk"])
    with pytest.raises(pytest.fail.Exception, match="KWARG_MODELS"):
        value_for(route, "gizmo_pk", World(), [])


def test_model_field_convention_resolves_kwargs():
    route = Route("demo:thing", None, "", "demo", ["organisation_pk"])
    assert model_for(route, "organisation_pk") == "accounts.Organisation"
    assert model_for(route, "platform_code") == "platforms.Platform"
