"""French names for what the back-office shows of installed libraries (issue 15 item 5).

Several libraries name their apps, models and fields in English outside gettext
(``"OpenID Connect IdP"``, a model without ``verbose_name`` becomes "user session",
a field without one becomes "created at"), or in shaky French (django-celery-beat's
"Tâches Périodique", "Intervales"). A translation catalogue cannot reach a string
that is not passed to gettext, so ``install()`` sets the display names at start-up:

- ``AppConfig.verbose_name`` (not part of any migration);
- ``Model._meta.verbose_name`` / ``verbose_name_plural`` (migrations read
  ``_meta.original_attrs``, left untouched);
- ``Field.verbose_name`` (migrations deconstruct ``Field._verbose_name``, left
  untouched);
- the ``short_description`` of a model property the admin lists as a column.

So ``makemigrations --check`` stays clean. ``permissions_in_french`` (a
``post_migrate`` receiver) renames Django's default permissions, stored in English
in the database at creation ("Can add email address"), after the French model
names: "Peut ajouter adresse e-mail". Custom permissions keep the name their model
declares. Idempotent; touches only names that differ.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

APP_NAMES = {
    "mfa": _("Double authentification"),
    "usersessions": _("Sessions utilisateur"),
    "allauth_idp_oidc": _("Fournisseur d'identité OpenID Connect"),
    "guardian": _("Permissions par objet"),
    "django_celery_beat": _("Tâches planifiées"),
    "account": _("Adresses e-mail des comptes"),
    "allauth": _("Authentification (allauth)"),
    "contenttypes": _("Types de contenu"),
}

# (app label, model name) -> (verbose name, plural, {field: verbose name})
MODELS = {
    ("mfa", "authenticator"): (
        _("second facteur"),
        _("seconds facteurs"),
        {
            "user": _("utilisateur"),
            "type": _("type"),
            "data": _("données"),
            "created_at": _("créé le"),
            "last_used_at": _("dernière utilisation"),
        },
    ),
    ("usersessions", "usersession"): (
        _("session utilisateur"),
        _("sessions utilisateur"),
        {
            "user": _("utilisateur"),
            "created_at": _("ouverte le"),
            "ip": _("adresse IP"),
            "last_seen_at": _("vue pour la dernière fois le"),
            "user_agent": _("navigateur (user agent)"),
            "data": _("données"),
        },
    ),
    ("allauth_idp_oidc", "client"): (
        _("client OpenID Connect"),
        _("clients OpenID Connect"),
        {
            "id": _("identifiant du client"),
            "name": _("nom"),
            "secret": _("secret"),
            "scopes": _("portées autorisées"),
            "default_scopes": _("portées par défaut"),
            "type": _("type"),
            "grant_types": _("types d'autorisation"),
            "redirect_uris": _("URI de redirection"),
            "cors_origins": _("origines CORS autorisées"),
            "allow_uri_wildcards": _("jokers autorisés dans les URI"),
            "response_types": _("types de réponse"),
            "owner": _("propriétaire"),
            "skip_consent": _("sans écran de consentement"),
            "created_at": _("créé le"),
            "data": _("données"),
        },
    ),
    ("allauth_idp_oidc", "token"): (
        _("jeton"),
        _("jetons"),
        {
            "type": _("type"),
            "hash": _("empreinte"),
            "client": _("client"),
            "user": _("utilisateur"),
            "data": _("données"),
            "created_at": _("créé le"),
            "expires_at": _("expire le"),
            "scopes": _("portées"),
        },
    ),
    ("guardian", "userobjectpermission"): (
        _("permission d'un utilisateur sur un objet"),
        _("permissions des utilisateurs sur des objets"),
        {
            "permission": _("permission"),
            "content_type": _("type de contenu"),
            "user": _("utilisateur"),
        },
    ),
    ("guardian", "groupobjectpermission"): (
        _("permission d'un groupe sur un objet"),
        _("permissions des groupes sur des objets"),
        {
            "permission": _("permission"),
            "content_type": _("type de contenu"),
            "group": _("groupe"),
        },
    ),
    ("accounts", "organisationuserobjectpermission"): (
        _("droit d'administration d'une organisation"),
        _("droits d'administration des organisations"),
        {},
    ),
    ("contenttypes", "contenttype"): (None, None, {"app_label": _("application")}),
    ("django_celery_beat", "solarschedule"): (
        _("événement solaire"),
        _("événements solaires"),
        {"event": _("événement solaire")},
    ),
    ("django_celery_beat", "intervalschedule"): (
        _("intervalle"),
        _("intervalles"),
        {"every": _("nombre de périodes"), "period": _("période")},
    ),
    ("django_celery_beat", "clockedschedule"): (
        _("horaire ponctuel"),
        _("horaires ponctuels"),
        {"clocked_time": _("date et heure")},
    ),
    ("django_celery_beat", "crontabschedule"): (
        _("planification cron"),
        _("planifications cron"),
        {
            "minute": _("minutes"),
            "hour": _("heures"),
            "day_of_month": _("jours du mois"),
            "month_of_year": _("mois de l'année"),
            "day_of_week": _("jours de la semaine"),
            "timezone": _("fuseau horaire"),
        },
    ),
    ("django_celery_beat", "periodictasks"): (
        _("suivi des tâches planifiées"),
        _("suivis des tâches planifiées"),
        {"ident": _("identifiant"), "last_update": _("dernière mise à jour")},
    ),
    ("django_celery_beat", "periodictask"): (
        _("tâche planifiée"),
        _("tâches planifiées"),
        {
            "name": _("nom"),
            "task": _("tâche (nom Celery)"),
            "interval": _("planification par intervalle"),
            "crontab": _("planification cron"),
            "solar": _("planification solaire"),
            "clocked": _("planification ponctuelle"),
            "args": _("arguments positionnels"),
            "kwargs": _("arguments nommés"),
            "one_off": _("tâche ponctuelle"),
            "enabled": _("activée"),
        },
    ),
}

# (app label, model name, property) -> column title: the admin names a property
# shown in a list after the property ("Human readable", "Scheduler").
PROPERTIES = {
    ("django_celery_beat", "crontabschedule", "human_readable"): _("en clair"),
    ("django_celery_beat", "periodictask", "scheduler"): _("planification"),
}

# Django's default permission actions (codename prefix) -> French verb.
PERMISSION_VERBS = {
    "add": _("Peut ajouter"),
    "change": _("Peut modifier"),
    "delete": _("Peut supprimer"),
    "view": _("Peut voir"),
}


def install() -> None:
    """Set the French display names above; idempotent. Unknown apps/models are skipped."""
    for label, name in APP_NAMES.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:
            continue
    for (label, model_name), (singular, plural, fields) in MODELS.items():
        try:
            model = apps.get_model(label, model_name)
        except LookupError:
            continue
        if singular is not None:
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
        names = {field.name for field in model._meta.get_fields()}
        for field_name, verbose in fields.items():
            if field_name in names:  # a library may rename a field: keep its own name then
                model._meta.get_field(field_name).verbose_name = verbose
    for (label, model_name, attribute), title in PROPERTIES.items():
        try:
            prop = getattr(apps.get_model(label, model_name), attribute)
        except (LookupError, AttributeError):
            continue
        if isinstance(prop, property):
            prop.fget.short_description = title


def permission_name(permission) -> str | None:
    """The French name of a default permission, or None for a custom one."""
    action, _sep, model_name = permission.codename.partition("_")
    verb = PERMISSION_VERBS.get(action)
    model = permission.content_type.model_class()
    if verb is None or model is None or model._meta.model_name != model_name:
        return None
    return f"{verb} {model._meta.verbose_name}"[:255]


def permissions_in_french(sender=None, using="default", **kwargs) -> int:
    """Rename default permissions after the French model names (post_migrate); returns count."""
    Permission = apps.get_model("auth", "Permission")
    changed = []
    with override("fr"):
        for permission in Permission.objects.using(using).select_related("content_type"):
            name = permission_name(permission)
            if name is not None and permission.name != name:
                permission.name = name
                changed.append(permission)
    Permission.objects.using(using).bulk_update(changed, ["name"], batch_size=500)
    return len(changed)
