#!/usr/bin/env bash
# Entry point of the image: `web`, `worker`, `beat`, `migrate`, or any manage.py command.
#
# It refuses to start when a setting production needs is missing (listing them
# all), so a misconfigured container fails at once with a readable message.
# ENTRYPOINT_DRY_RUN=1 prints the command instead of running it (tests).
set -euo pipefail

REQUIRED=(
  DJANGO_SECRET_KEY
  DJANGO_ALLOWED_HOSTS
  DATABASE_URL
  CELERY_BROKER_URL
  CACHE_URL
  ANYMAIL_WEBHOOK_SECRET
)

check_settings() {
  local missing=()
  for name in "${REQUIRED[@]}"; do
    if [ -z "${!name:-}" ]; then missing+=("$name"); fi
  done
  if [ -z "${IDP_OIDC_PRIVATE_KEY:-}" ] && [ -z "${IDP_OIDC_PRIVATE_KEY_FILE:-}" ] \
     && [ -z "${IDP_OIDC_PRIVATE_KEYS_FILE:-}" ]; then
    missing+=("IDP_OIDC_PRIVATE_KEY (ou IDP_OIDC_PRIVATE_KEY_FILE, IDP_OIDC_PRIVATE_KEYS_FILE)")
  fi
  if [ -z "${METRICS_TOKEN:-}" ]; then
    echo "attention : METRICS_TOKEN est vide, /metrics refusera toute requête" >&2
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "configuration incomplète, variables manquantes :" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

run() {
  if [ "${ENTRYPOINT_DRY_RUN:-0}" = "1" ]; then
    echo "$@"
    exit 0
  fi
  exec "$@"
}

command="${1:-web}"
shift || true
check_settings

case "$command" in
  web)
    if [ "${MIGRATE_ON_START:-0}" = "1" ] && [ "${ENTRYPOINT_DRY_RUN:-0}" != "1" ]; then
      python manage.py migrate --noinput
    fi
    if [ -f deploy/gunicorn.conf.py ]; then
      run gunicorn config.wsgi:application --config deploy/gunicorn.conf.py "$@"
    fi
    run gunicorn config.wsgi:application --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" --access-logfile - "$@"
    ;;
  worker)
    run celery -A config worker --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    # Exactly one beat per deployment (docs/deploy.md).
    run celery -A config beat --loglevel "${LOG_LEVEL:-INFO}" \
      --scheduler django_celery_beat.schedulers:DatabaseScheduler "$@"
    ;;
  migrate)
    run python manage.py migrate --noinput "$@"
    ;;
  manage)
    run python manage.py "$@"
    ;;
  *)
    echo "commande inconnue : $command (web, worker, beat, migrate, manage …)" >&2
    exit 2
    ;;
esac
