"""Production: everything secret or host-specific must come from the environment."""

from .base import *  # noqa: F403
from .base import DATABASES, env

# Persistent database connections: opening one per request (CONN_MAX_AGE=0, the base default) costs
# a connection set-up and authentication on every report filed. Health checks make a connection
# that died while idle (PostgreSQL restart, failover) be replaced before the request uses it.
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Behind a TLS-terminating proxy (see README, "Producción"): it must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Off only for a plain-HTTP run on loopback (`make serve` on 127.0.0.1, the load bench).
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Hashed names (far-future caching is safe) plus .gz copies that WhiteNoise serves when accepted.
STORAGES = {
    # Photos written by a transaction that rolls back are deleted again (geo.files).
    "default": {"BACKEND": "geo.files.RollbackSafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
LOGGING["loggers"]["geo.access"]["level"] = env("ACCESS_LOG_LEVEL", default="INFO")  # noqa: F405
