"""Settings shared by every environment. Values come from the environment (or a `.env` file)."""

import importlib.util
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Folder holding the official Bogotá files; importers and real-data tests read it.
BOGOTA_DATA_DIR = env("BOGOTA_DATA_DIR", default="")
# Where downloaded official files are cached (git-ignored).
DATA_CACHE_DIR = Path(env("DATA_CACHE_DIR", default=str(BASE_DIR / ".local" / "cache")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "procrastinate.contrib.django",  # background jobs on PostgreSQL (notifications/, maps/tasks.py)
    "localities",
    "reports",
    "maps",
    "justice",
    "web",
    "workbench",
    "notifications",
    "participation",
    "ops",
]

MIDDLEWARE = [
    # First: the request id is in every log line written while the request runs, errors included.
    "geo.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before every middleware that writes the body (CSP only sets a header), so it compresses the final
    # body; after Security so its headers are on compressed answers too (geo/caching.py: what and why).
    "geo.caching.CompressMiddleware",
    "geo.csp.ContentSecurityPolicyMiddleware",
    "geo.middleware.RequestSizeLimitMiddleware",
    "geo.middleware.InputGuardMiddleware",
    # A full media disk: 507 with a Spanish message (the report's transaction has rolled back).
    "geo.middleware.StorageFullMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication: both look at the resolved view and the caller (geo/caching.py, geo/replicas.py).
    # Replica routing first: its process_view must have marked the request before the public cache
    # reads the data version for an export's ETag, so both read the server the export reads.
    "geo.replicas.ReplicaReadMiddleware",
    "geo.caching.PublicCacheMiddleware",
]

ROOT_URLCONF = "geo.urls"
WSGI_APPLICATION = "geo.wsgi.application"
ASGI_APPLICATION = "geo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "geo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "geo.csp.nonce",
            ],
        },
    },
]


def _database_from_env():
    """DATABASE_URL (postgres:// or postgis://) with the PostGIS backend forced on."""
    url = env("DATABASE_URL", default="")
    if not url:
        # `make run` / `make test` always export it; a bare `manage.py` gets the embedded cluster's URL.
        try:
            url = (BASE_DIR / ".local" / "database_url").read_text().strip()
        except FileNotFoundError:
            url = "postgis://localhost/convive"
    config = environ.Env.db_url_config(url)
    config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    config["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=f"test_{config['NAME']}")}
    return config


DATABASES = {"default": _database_from_env()}

# Read replicas (geo/replicas.py): streaming standbys of the primary, in order of preference. Each URL
# becomes replica_0, replica_1, … and the router sends the public reads of REPLICA_READ_VIEWS there.
# Under the test runner a replica reads the test database's name on its own server (TEST MIRROR).
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
for _index, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = environ.Env.db_url_config(_url)
    _replica["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    _replica.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_index}"] = _replica
DATABASE_ROUTERS = ["geo.replicas.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
# Off: every read on the primary even with replicas configured (the test settings start with it off).
REPLICA_ROUTING = env.bool("REPLICA_ROUTING", default=True)
# A replica further behind than this (seconds) is skipped; each process re-checks every few seconds.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# /readyz fails without a background-worker heartbeat younger than this (geo.health.check_worker).
READYZ_REQUIRE_WORKER = env.bool("READYZ_REQUIRE_WORKER", default=True)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=60)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
# After a write the caller reads the primary for this long (cookie), so they see what they just did.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=30)
REPLICA_STICKY_COOKIE = "convive_rp"
# Public outputs whose GETs may read a replica (URL names), and the apps whose models they read there.
REPLICA_READ_VIEWS = {
    "maps-heatmap",
    "maps-hotspots",
    "maps-stats",
    "maps-reports-geojson",
    "tiles-reports",
    "tiles-upz",
    "tiles-localities",
    "exports-reports",
    "exports-aggregates",
    "category-list",
    "report-list",
    "report-nearby",
    "report-public-detail",
    "map-public",
    "map-locality",
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
}
REPLICA_READ_APPS = {"reports", "maps", "localities"}

# Public outputs a proxy or CDN may keep (URL name -> seconds) for anonymous callers (geo/caching.py).
# Streamed ones get an ETag from the data version instead of the body's hash.
PUBLIC_CACHE_SECONDS = {
    "tiles-reports": 60,
    "tiles-upz": 86400,
    "tiles-localities": 86400,
    "maps-heatmap": 60,
    "maps-hotspots": 60,
    "maps-stats": 60,
    "maps-reports-geojson": 60,
    "exports-reports": 300,
    "exports-aggregates": 300,
    "category-list": 3600,
    "report-list": 30,
    "report-public-detail": 30,
    "web-home": 60,
    "map-public": 60,
    "map-locality": 60,
    "web-report-public": 30,
    "open311:discovery": 3600,
    "open311:services": 3600,
    "open311:service": 3600,
    "open311:requests": 30,
    "open311:request": 30,
}
PUBLIC_CACHE_STREAMED = {"exports-reports", "exports-aggregates"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Where a sign-in without `next` lands: the citizen's reports (staff go to /gestion/, see
# web.views.LoginView and workbench.views.SignInView).
LOGIN_URL = "web-login"
LOGIN_REDIRECT_URL = "web-my-reports"

LANGUAGE_CODE = "es-co"
LANGUAGES = [("es", "Español"), ("en", "English")]
# geo is the project package, not an installed app: its catalogue (validation messages of
# geo.spatial and geo.api) is found through LOCALE_PATHS.
LOCALE_PATHS = [BASE_DIR / "geo" / "locale"]
TIME_ZONE = "America/Bogota"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    # Photos written by a transaction that rolls back are deleted again (geo.files).
    "default": {"BACKEND": "geo.files.RollbackSafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Leaflet.heat for the map pages, as shipped inside the pinned folium package (no CDN, nothing copied
# into the repository); found without importing folium. Leaflet itself comes from django-leaflet.
STATICFILES_DIRS = [
    ("vendor/folium", Path(importlib.util.find_spec("folium").origin).parent / "templates"),
    # MapLibre GL JS of the citizen pages (web/), from the npm lockfile (`npm ci` in scripts/platform.sh).
    ("vendor/maplibre-gl", BASE_DIR / "node_modules" / "maplibre-gl" / "dist"),
]
# E-mail (password resets, notifications/): printed on the console unless configured. In production
# either EMAIL_URL (smtp+tls://user:password@host:587, smtp+ssl://…:465; django-environ's form) or EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL with
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per message here.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Convive Bogotá <no-responder@localhost>")
# Public address of the site, for links in e-mails (tracking page, staff workbench).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
NOTIFICATIONS_STAFF_PATH = env("NOTIFICATIONS_STAFF_PATH", default="/gestion/")
# Where `manage.py backup` writes (ops/backups.py), one dated folder per backup.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / ".local" / "backups")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Citizen photos (reports/photos.py): upload size in bytes, pixels decoded at most (decompression
# bombs), longest side in pixels of the re-encoded image.
REPORT_PHOTO_MAX_BYTES = env.int("REPORT_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
REPORT_PHOTO_MAX_PIXELS = env.int("REPORT_PHOTO_MAX_PIXELS", default=40_000_000)
REPORT_PHOTO_MAX_SIDE = env.int("REPORT_PHOTO_MAX_SIDE", default=2048)
# Whole request body (geo/middleware.py answers 413 above it, before reading): 3 photos at the
# limit plus the form fields. Uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temp file.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=3 * REPORT_PHOTO_MAX_BYTES + 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

REST_FRAMEWORK = {
    # Deny by default: every view states its own permission classes.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "geo.parsers.JSONParser",
        "geo.parsers.FormParser",
        "geo.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "geo.api.exception_handler",
    # Reverse proxies in front of Django whose X-Forwarded-For entries are trusted. 0: the client IP
    # is REMOTE_ADDR and X-Forwarded-For is ignored, so a made-up header cannot open fresh throttle
    # counters. Behind one nginx/load balancer, set NUM_PROXIES=1.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # Rates for reports/throttles.py ("N/second|minute|hour|day"); counters live in the default cache.
    "DEFAULT_THROTTLE_RATES": {
        "report_create_anon": env("THROTTLE_REPORT_CREATE_ANON", default="30/hour"),
        "support": env("THROTTLE_SUPPORT", default="120/hour"),
        "auth": env("THROTTLE_AUTH", default="20/minute"),
        "export_anon": env("THROTTLE_EXPORT_ANON", default="60/hour"),
        "support_anon_report": env("THROTTLE_SUPPORT_ANON_REPORT", default="5/day"),
        "track": env("THROTTLE_TRACK", default="60/hour"),
        "abuse_report": env("THROTTLE_ABUSE_REPORT", default="10/hour"),
        "pulse": env("THROTTLE_PULSE", default="10/hour"),
        "proposal_create": env("THROTTLE_PROPOSAL_CREATE", default="20/day"),
    },
}

# Throttle counters and other cache users. The default (per-process memory) suits one process;
# with several gunicorn workers set CACHE_URL (e.g. redis://… or dbcache://django_cache) so limits are shared.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Citizen reports (reports/): public points are snapped to a grid of this many metres (EPSG:9377);
# occurred_at may be this many seconds ahead of the server clock; nearby search radius (metres) and
# window (days); how long an Idempotency-Key is remembered (hours); how long a process keeps the active
# categories it has read (seconds; filing a report re-checks active/sensitive in its own statement).
PUBLIC_GRID_METRES = env.int("PUBLIC_GRID_METRES", default=100)
REPORTS_CLOCK_SKEW_SECONDS = env.int("REPORTS_CLOCK_SKEW_SECONDS", default=300)
REPORTS_NEARBY_DEFAULT_METRES = env.int("REPORTS_NEARBY_DEFAULT_METRES", default=200)
REPORTS_NEARBY_MAX_METRES = env.int("REPORTS_NEARBY_MAX_METRES", default=1000)
REPORTS_NEARBY_DAYS = env.int("REPORTS_NEARBY_DAYS", default=30)
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
CATEGORY_CACHE_SECONDS = env.int("CATEGORY_CACHE_SECONDS", default=60)
# Filing a report defers the map-rollup refresh at most once per this many seconds per process, the
# job scheduled that far ahead so it includes the reports filed meanwhile (0: one deferral per report).
REPORTS_ROLLUP_DEFER_SECONDS = env.int("REPORTS_ROLLUP_DEFER_SECONDS", default=2)

# Maps (maps/): public aggregates hide cells/units with fewer reports than this (k-anonymity floor);
# the heatmap rollup is refreshed by a map request when older than this many seconds.
PUBLIC_MIN_COUNT = env.int("PUBLIC_MIN_COUNT", default=3)
MAPS_ROLLUP_MAX_AGE_SECONDS = env.int("MAPS_ROLLUP_MAX_AGE_SECONDS", default=300)
# The public form of /mapa/ and the locality dashboards is kept this many seconds per filter set
# (0: never); signed-in staff always get a fresh page.
MAPS_PAGE_CACHE_SECONDS = env.int("MAPS_PAGE_CACHE_SECONDS", default=120)
# Basemap of the map pages (/mapa/): an XYZ tile URL template and its attribution. Empty: no basemap
# (the boundaries and report layers still draw); the pages work too when the URL cannot be reached.
BASEMAP_URL = env("BASEMAP_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = env(
    "BASEMAP_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)

# Justice requests (justice/): Fernet keys for their encrypted fields (comma-separated, newest first;
# empty = derived from SECRET_KEY, see justice/crypto.py) and the folder of their attachments (never served).
JUSTICE_ENCRYPTION_KEYS = env.list("JUSTICE_ENCRYPTION_KEYS", default=[])
JUSTICE_PRIVATE_ROOT = Path(env("JUSTICE_PRIVATE_ROOT", default=str(BASE_DIR / ".local" / "private")))

SPECTACULAR_SETTINGS = {
    "TITLE": "Convive Bogotá API",
    "DESCRIPTION": (
        "Participación ciudadana en seguridad y convivencia de Bogotá: territorio (localidades, UPZ), "
        "reportes ciudadanos y mapas. GeoJSON según RFC 7946 (coordenadas [lon, lat], EPSG:4326)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "geo.openapi.geojson_pages",
    ],
    # One schema name per choice set that several serializers share.
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "reports.models.Status",
        "EntityEnum": "reports.models.Entity",
        "JusticeRequestStatusEnum": "justice.models.RequestStatus",
        "ProposalStatusEnum": "participation.models.ProposalStatus",
    },
}

# Content-Security-Policy (geo/csp.py): pages under these prefixes emit inline scripts without a
# nonce (folium map pages; the admin's django-leaflet widget), so there inline scripts are allowed.
CSP_INLINE_SCRIPT_PATHS = ["/mapa/", "/admin/"]

# Failed /admin/login/ attempts per client IP before a lockout of ADMIN_LOGIN_LOCKOUT_SECONDS.
ADMIN_LOGIN_MAX_FAILURES = env.int("ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_LOCKOUT_SECONDS = env.int("ADMIN_LOGIN_LOCKOUT_SECONDS", default=900)

# django-leaflet (admin map widget): Leaflet's JS/CSS come from the pinned package via static files.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (4.65, -74.1),  # Leaflet wants [lat, lon]
    "DEFAULT_ZOOM": 11,
    "SPATIAL_EXTENT": (-74.46, 3.72, -73.98, 4.84),  # geo.spatial.BOGOTA_EXTENT
    "RESET_VIEW": False,
}

# LOG_FORMAT=json (make serve): one JSON object per line with the request id (geo/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "geo.logs.JsonFormatter"}, "text": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's default config gives "django" a console handler of its own; without this every
    # request warning and the reloader's messages would be printed twice (there and via root).
    "loggers": {
        "django": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO"), "propagate": False},
        # Task registration is logged at INFO by every process that loads the apps; jobs still are.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        # The access line of every request (geo.logs.RequestIdMiddleware); gunicorn's own is off.
        # In text form (make run) runserver prints its own access lines.
        "geo.access": {
            "level": env("ACCESS_LOG_LEVEL", default="INFO" if LOG_FORMAT == "json" else "WARNING")
        },
    },
}

# gis.W001: Debian 12 ships GDAL 3.6, which cannot block file/network access from crafted spatial
# reference strings. The platform never builds a SpatialReference from user-supplied text: the API
# takes coordinates in EPSG:4326 only and importers accept only the EPSG codes listed in geo.spatial.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
