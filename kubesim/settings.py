"""Kubesim settings, all from environment variables.

Embedded mode (the default): SQLite, in-process channel layer and Celery broker.
Distributed mode: DATABASE_URL (PostgreSQL) and REDIS_URL (Celery broker and Channels layer).
"""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KUBESIM_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


SECRET_KEY = os.environ.get("SECRET_KEY", "kubesim-insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "cluster",
    "dashboard",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cluster.api.auth.BearerTokenMiddleware",
]

ROOT_URLCONF = "kubesim.urls"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

ASGI_APPLICATION = "kubesim.asgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kubesim.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (watches, lists) run beside the single writer; IMMEDIATE makes a write
    # transaction take the write lock up front instead of failing to upgrade a read lock later.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too (not shared-cache memory), so concurrent writers lock as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    # Kombu's in-memory transport polls its queues, once a second by default: an idle control
    # plane would take up to a second to notice a write. A poll is a dict lookup, so poll often.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.02}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work, in real seconds: due timers (a simulated clock running fast needs them often),
# a backstop dispatch in case a wake-up was lost, and upstream's periodic resync of every key.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "fire-timers": {"task": "kubesim.fire_timers", "schedule": 0.25},
    "dispatch": {"task": "kubesim.dispatch", "schedule": 1.0},
    "resync": {"task": "kubesim.resync", "schedule": 30.0},
}

# Where the control loops run: "embedded" (a worker thread inside the server process, the default
# without Redis), "celery" (separate `celery worker` processes, the default with REDIS_URL), or
# "off" (nothing reconciles: the API alone, as the unit tests use it).
# The scheduler's scoring: "LeastAllocated" spreads pods (kube-scheduler's default),
# "MostAllocated" packs them (the bin-packing profile).
KUBESIM_SCHEDULER_SCORING = os.environ.get("KUBESIM_SCHEDULER_SCORING", "LeastAllocated")
# Every simulated pull, start and probe delay becomes 0 (benchmarks; impatient demos).
KUBESIM_ZERO_DELAYS = env_bool("KUBESIM_ZERO_DELAYS")

KUBESIM_CONTROL_PLANE = os.environ.get("KUBESIM_CONTROL_PLANE", "celery" if REDIS_URL else "embedded")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"

USE_TZ = True
TIME_ZONE = "UTC"

# The API server's limits, as kube-apiserver's.
KUBESIM_MAX_REQUEST_BYTES = 3 * 1024 * 1024
# A manifest posted from the dashboard's editor may be as large as one sent to the API.
DATA_UPLOAD_MAX_MEMORY_SIZE = KUBESIM_MAX_REQUEST_BYTES + 64 * 1024
# The change log keeps at least this many revisions and at most this much time (etcd compacts too).
KUBESIM_EVENT_LOG_MAX_COUNT = int(os.environ.get("KUBESIM_EVENT_LOG_MAX_COUNT", "100000"))
KUBESIM_EVENT_LOG_MAX_AGE_SECONDS = int(os.environ.get("KUBESIM_EVENT_LOG_MAX_AGE_SECONDS", "3600"))
KUBESIM_KUBERNETES_VERSION = "1.37.0"
# Watches look for new changes this often when idle, and send a BOOKMARK this often when asked.
KUBESIM_WATCH_POLL_SECONDS = float(os.environ.get("KUBESIM_WATCH_POLL_SECONDS", "0.05"))
KUBESIM_WATCH_BOOKMARK_SECONDS = 60
# The dashboard's log pages look for new lines this often (real seconds).
KUBESIM_LOG_POLL_SECONDS = float(os.environ.get("KUBESIM_LOG_POLL_SECONDS", "0.5"))
# A watch without timeoutSeconds lasts between this and twice this, as kube-apiserver's.
KUBESIM_MIN_REQUEST_TIMEOUT_SECONDS = 1800

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
