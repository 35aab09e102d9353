"""Twin's settings, read entirely from the environment (see the README's configuration table)."""

import base64
import hashlib
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from twin_web.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TWIN_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)

# Management commands that sign nothing (no sessions, tokens or cookies) may run without
# the secret, e.g. a migrations check in CI: they get a throwaway key.
SIGNS_NOTHING = {"makemigrations", "check", "showmigrations", "sqlmigrate"}
SECRET_KEY = os.environ.get("SECRET_KEY", "")
_COMMAND = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""
if not SECRET_KEY and not DEBUG and _COMMAND in SIGNS_NOTHING:
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set SECRET_KEY to a long random string "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    # Only reachable with DEBUG on, which is never a deployment.
    SECRET_KEY = "django-insecure-twin-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS deployments (README, "Running it for real"). All off by default: `make run` serves
# plain HTTP on localhost, where HSTS would pin the browser to a TLS port nobody listens on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# Probes reach the process directly over plain HTTP, inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Trusting X-Forwarded-Proto is safe only behind a proxy that overwrites it; a client
# reaching daphne directly could otherwise claim HTTPS and get secure-only behaviour.
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    "ninja",
    "apps.accounts",
    "apps.network",
    "apps.sources",
    "apps.imports",
    "apps.world",
    "apps.live",
    "apps.calibration",
    "apps.scenarios",
    "apps.decisions",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless it is marked @login_not_required
    # (login page, /healthz, the token-authenticated ingestion API).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lock-out noted during sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "twin_web.urls"
ASGI_APPLICATION = "twin_web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "twin_web.navigation.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'twin.sqlite3'}")
# Under daphne Django runs each request's sync code in a new thread (asgiref's
# ThreadSensitiveContext), so a connection kept past its request (CONN_MAX_AGE > 0) would
# never be used again, only left open until garbage-collected: connections are closed after
# each request unless configured otherwise. The ingestion API keeps its own between
# requests instead (apps/sources/db_reuse.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", default=0, minimum=0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while a worker writes; the busy timeout makes a
        # writer wait for the lock instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not :memory:, so that test subprocesses (daphne, Celery) share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-twin.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Ingestion limits: a request above them is refused whole with 413.
TWIN_INGEST_MAX_EVENTS = env_int("TWIN_INGEST_MAX_EVENTS", default=5000, minimum=1)
TWIN_INGEST_MAX_BYTES = env_int("TWIN_INGEST_MAX_BYTES", default=5 * 1024 * 1024, minimum=1024)
# How far into the future an event's occurred_at may lie (clock skew between systems).
TWIN_MAX_FUTURE_SKEW_S = env_int("TWIN_MAX_FUTURE_SKEW_S", default=300, minimum=0)
# Django refuses bodies above this before the API can answer 413 itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = TWIN_INGEST_MAX_BYTES + 1024 * 1024

# Live view: labour utilisation at or above HIGH is flagged red, at or below LOW under-used.
TWIN_UTILISATION_HIGH_PCT = env_int("TWIN_UTILISATION_HIGH_PCT", default=90, minimum=1)
TWIN_UTILISATION_LOW_PCT = env_int("TWIN_UTILISATION_LOW_PCT", default=65, minimum=0)
if TWIN_UTILISATION_LOW_PCT >= TWIN_UTILISATION_HIGH_PCT:
    raise ImproperlyConfigured(
        "TWIN_UTILISATION_LOW_PCT must be below TWIN_UTILISATION_HIGH_PCT; got "
        f"{TWIN_UTILISATION_LOW_PCT} and {TWIN_UTILISATION_HIGH_PCT}"
    )
# Coalescing: each websocket group gets at most one update per interval, however fast
# events arrive (the network page is what planners watch; a DC page can lag a little more).
# The interval bounds how long a change waits: at 150 ms it alone used up the live view's
# latency budget (p99 ≤ 150 ms from an event's POST, issue 19); 50 ms is still at most 20
# messages a second, each of the DCs that changed.
TWIN_LIVE_PUSH_MS = env_int("TWIN_LIVE_PUSH_MS", default=50, minimum=20)
TWIN_LIVE_DC_PUSH_MS = env_int("TWIN_LIVE_DC_PUSH_MS", default=1000, minimum=20)

# Calibration: the event-time window each fit reads, and how often (wall-clock seconds)
# the worker looks for a new event-time hour to predict, settle and check drift on.
TWIN_CALIBRATION_WINDOW_DAYS = env_int("TWIN_CALIBRATION_WINDOW_DAYS", default=28, minimum=1)
TWIN_DELTA_ROUND_SECONDS = env_int("TWIN_DELTA_ROUND_SECONDS", default=30, minimum=1)
# How often beat asks whether a scheduled refit is due; the schedule itself is in event
# time (apps/calibration/refits.py): hourly while a sub-model lacks evidence, weekly after.
TWIN_REFIT_CHECK_SECONDS = env_int("TWIN_REFIT_CHECK_SECONDS", default=60, minimum=1)

# Scenarios: a running comparison with no replication finished for this long (wall-clock
# seconds) has lost its tasks (e.g. the web process died before handing them to the broker,
# or the broker lost them); beat hands its missing replications out again.
TWIN_SCENARIO_STALL_SECONDS = env_int("TWIN_SCENARIO_STALL_SECONDS", default=300, minimum=10)
# Scenarios: a comparison warns when a headline figure's 95% interval is wider than ± this
# many percentage points (shares: OTIF, utilisation) or ± this percent of its mean (costs,
# the satisfaction index), and proposes the replications that would narrow it enough.
TWIN_PRECISION_SHARE_POINTS = env_int("TWIN_PRECISION_SHARE_POINTS", default=5, minimum=1)
TWIN_PRECISION_PCT_OF_MEAN = env_int("TWIN_PRECISION_PCT_OF_MEAN", default=10, minimum=1)
for _name in ("TWIN_PRECISION_SHARE_POINTS", "TWIN_PRECISION_PCT_OF_MEAN"):
    if globals()[_name] > 100:
        raise ImproperlyConfigured(f"{_name} must be at most 100; got {globals()[_name]}")

# Scenarios: every comparison's back-test replays this many whole days before its snapshot
# (from the state the twin held then) with this many replications, beside the what-ifs.
TWIN_BACKTEST_DAYS = env_int("TWIN_BACKTEST_DAYS", default=7, minimum=1)
TWIN_BACKTEST_REPLICATIONS = env_int("TWIN_BACKTEST_REPLICATIONS", default=3, minimum=2)

REDIS_URL = env_str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # channels-redis waits for messages with BZPOPMIN for 5 s; redis-py's default
            # read timeout is also 5 s, so without a longer one every idle websocket was
            # dropped with "Timeout reading from …" every few seconds. A stopped Redis
            # still surfaces as an error within 10 s.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 10, "socket_connect_timeout": 2}],
            "prefix": "twin",
        },
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis may come and go: workers and beat keep reconnecting rather than exit after 100 tries.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
# The queue tasks go to unless they name one; tests point a web process at their own worker.
CELERY_TASK_DEFAULT_QUEUE = env_str("TWIN_CELERY_QUEUE", default="celery")
# One task at a time per worker process, so that replications spread over every worker.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {
    "delta-rounds": {
        "task": "apps.calibration.tasks.delta_rounds_task",
        "schedule": float(TWIN_DELTA_ROUND_SECONDS),
        "options": {"expires": float(TWIN_DELTA_ROUND_SECONDS)},
    },
    "scheduled-refit": {
        "task": "apps.calibration.tasks.scheduled_refit_task",
        "schedule": float(TWIN_REFIT_CHECK_SECONDS),
        # A tick still queued when the next is due is dropped, not run late on top of it.
        "options": {"expires": float(TWIN_REFIT_CHECK_SECONDS)},
    },
    "resume-stalled-comparisons": {
        "task": "apps.scenarios.tasks.resume_stalled_comparisons_task",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused for LOGIN_LOCKOUT_MINUTES, the right
# password included. Per pair, so that a stranger cannot lock a colleague out from
# elsewhere, and one office behind a NAT is not locked out by one person's typos.
# `manage.py axes_reset_username NAME` lifts a lock-out early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1)
# Reverse proxies in front of daphne that each append the address they saw to
# X-Forwarded-For: the client is the entry the outermost one wrote, the ones before it
# being whatever the client claimed. 0: the connection's own address (a forwarded
# request, whose claimed address daphne --proxy-headers took, counts as "unverified").
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0, minimum=0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.accounts.throttling.client_ip_address"
AXES_LOCKOUT_CALLABLE = "apps.accounts.throttling.lockout_response"
# No banner at every start: it would land in front of what a command prints on stdout.
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js comes from the plotly package itself: no CDN, the twin runs on closed networks.
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
# Serve straight from the finders so that `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


# Content-Security-Policy (django-csp), on every page: script only from our own origin, so a
# slip in escaping cannot run script (no inline script or handler; no eval, and base.html
# turns htmx's eval off). 'self' in connect-src also admits the same host and port's ws: and
# wss: sockets (CSP Level 3). Styles, as narrow as the pages allow:
# - style elements: our own files, plus the decision memo's own <style> by its hash (the memo
#   downloads as one self-contained HTML file). plotly.js writes its rules into the <link>
#   base.html gives it (see static/css/plotly-rules.css) instead of an inline <style>.
# - style attributes stay allowed ('unsafe-inline' in style-src-attr only): plotly sets some
#   on the SVG it draws, and a few templates size inputs with them. An attribute can neither
#   run script nor, with default-src 'self', fetch from elsewhere.
def _style_element_hashes(template: Path) -> list[str]:
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
            for b in blocks]  # fmt: skip


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [
            SELF,
            *_style_element_hashes(BASE_DIR / "templates/decisions/memo.html"),
        ],
        "style-src-attr": [UNSAFE_INLINE],
        "connect-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOG_LEVEL = env_str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "twin_web.log_format.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
        # Sockets of a web process that was killed stay in their groups until the groups
        # expire; channels-redis then notes at INFO, at every push, that their queues are
        # full. Their messages expire unread, which is all there is to do.
        "channels_redis": {"level": "WARNING"},
        # A line per request of the demo enterprise's API client would bury everything else
        # (a batch a second); its refusals and retries it logs itself.
        "httpx": {"level": "WARNING"},
    },
}
