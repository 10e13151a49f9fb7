"""Settings for Help On Demand.

Every setting comes from an environment variable with a default that works on a laptop
(the embedded mode: SQLite and a broker kept in files). Production points DATABASE_URL and
CELERY_BROKER_URL at PostgreSQL and Redis. The README's configuration table lists them all.
"""

import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hod.env import cache_config, envbool, envchoice, envint, envlist, envstr, envurl

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded mode keeps its files: the SQLite database, the broker's queue folders,
# message files and beat's schedule. Never committed.
VAR_DIR = Path(envstr("HOD_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

# Links in messages are built from it. The embedded mode's default follows `make run PORT=…` (HOD_PORT);
# a host name, not an IP address, as WebAuthn (passkeys) refuses those.
HOD_BASE_URL = envurl("HOD_BASE_URL", f"http://localhost:{envint('HOD_PORT', 8000, minimum=1, maximum=65535)}")
_HTTPS = urlsplit(HOD_BASE_URL).scheme == "https"

# The embedded mode's key is public (it is in this file): fine for a demo on a laptop, never for a
# site on https, which is refused at start-up without a key of its own.
EMBEDDED_SECRET_KEY = "django-insecure-embedded-mode-only-set-SECRET_KEY-in-production"
SECRET_KEY = envstr("SECRET_KEY", EMBEDDED_SECRET_KEY)
if _HTTPS and SECRET_KEY == EMBEDDED_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value of your own: HOD_BASE_URL is https (a real site), and the "
        "embedded mode's key is public"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "anymail",
    "axes",
    "django_ratelimit",
    "phonenumber_field",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "hod",
    "hod.reference",
    "hod.monitoring",
    "referrals",
    "matching",
    "agents",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hod.sessions.SessionLifetime",  # log-ins end; the portal's background refreshes are not activity
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: a view answers htmx's requests with a fragment
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the "try again later" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hod.urls"
WSGI_APPLICATION = "hod.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hod.context_processors.language_switch",
                "hod.context_processors.offer_window",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------

DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hod.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share one file: WAL lets readers and one writer work at once, the
    # busy timeout makes a writer wait instead of failing, and IMMEDIATE transactions take the
    # write lock up front so two writers never deadlock half-way through.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file too (not shared memory), so a worker thread sees what the test wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agents.User"

# Cache (rate limits and throttling share it between processes in production) ------------

CACHE_URL = envstr("CACHE_URL", "locmem://hod")
CACHES = {"default": cache_config(CACHE_URL)}

# Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.2,  # how soon a worker sees a new message (the default is 1 s)
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A hand-off while Redis is down fails in milliseconds (one try, one quick retry, short socket
        # timeouts), so the request that sent a message never waits on the broker; the re-send job
        # hands the message over once Redis is back.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
        # A task a killed worker held comes back after this long: just above the longest retry countdown
        # (notifications.delivery.RETRY_DELAYS), so a waiting retry is never handed out twice. Every task
        # claims its row, so one handed out again does nothing twice.
        "visibility_timeout": 360,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "hod.beat:SingleBeatScheduler"  # one beat at a time; a second one waits

# Product settings (DESIGN.md) -----------------------------------------------------------

HOD_OFFER_WINDOW_SECONDS = envint("HOD_OFFER_WINDOW_SECONDS", 900, minimum=60)
HOD_SWEEP_INTERVAL_SECONDS = envint("HOD_SWEEP_INTERVAL_SECONDS", 30, minimum=1, maximum=3600)
HOD_REFERRAL_EXPIRY_SECONDS = envint("HOD_REFERRAL_EXPIRY_SECONDS", 86400, minimum=60)
HOD_MAX_PENDING_OFFERS = envint("HOD_MAX_PENDING_OFFERS", 1, minimum=1)
# An agent whose offers lapse this many times in a row is switched off (agents.pauses) until they switch
# back on or their next standard hours begin; 0 turns auto-pause off.
HOD_PAUSE_AFTER_LAPSES = envint("HOD_PAUSE_AFTER_LAPSES", 2, minimum=0, maximum=100)
# Routing experiments (DESIGN.md): off by default, for the simulation (sim/) to compare; the design's rules stay
# the product's until the design changes. Among the eligible agents within this many miles of the closest, the
# one whose recent offers lapsed least (matching.responsiveness); 0: off.
HOD_RESPONSIVENESS_TIE_BREAK_MILES = envint("HOD_RESPONSIVENESS_TIE_BREAK_MILES", 0, minimum=0, maximum=100)
# Agents offered one referral at once, the first to accept wins (referrals.lifecycle); 1: one at a time.
HOD_OFFERS_AT_ONCE = envint("HOD_OFFERS_AT_ONCE", 1, minimum=1, maximum=3)
# None: the plan year whose open enrollment is current (next year from November 1).
HOD_PLAN_YEAR = envint("HOD_PLAN_YEAR", 0, minimum=0) or None
if HOD_PLAN_YEAR is not None and not 2014 <= HOD_PLAN_YEAR <= 2100:
    raise ImproperlyConfigured(f"HOD_PLAN_YEAR must be a plan year such as 2027, not {HOD_PLAN_YEAR}")
HOD_RATELIMIT_ENABLED = envbool("HOD_RATELIMIT_ENABLED", True)
# /metrics (Prometheus) answers only with this bearer token; unset, it is off.
HOD_METRICS_TOKEN = envstr("HOD_METRICS_TOKEN", "")
HOD_RATELIMIT_PER_IP = envstr("HOD_RATELIMIT_PER_IP", "20/h")  # Get Contacted submissions per address
HOD_RATELIMIT_PER_PHONE = envstr("HOD_RATELIMIT_PER_PHONE", "5/h")  # … and per phone number
# Forgotten username or password: per address, and per account's e-mail (past it nothing more is sent).
HOD_RATELIMIT_ACCOUNT_HELP_PER_IP = envstr("HOD_RATELIMIT_ACCOUNT_HELP_PER_IP", "10/h")
HOD_RATELIMIT_ACCOUNT_HELP_PER_EMAIL = envstr("HOD_RATELIMIT_ACCOUNT_HELP_PER_EMAIL", "3/h")
# Log-in attempts per address, whatever the username: one password tried across many accounts is
# stopped (django-axes throttles each username from an address after 5 failures).
HOD_RATELIMIT_LOGIN_PER_IP = envstr("HOD_RATELIMIT_LOGIN_PER_IP", "30/h")
RATELIMIT_ENABLE = HOD_RATELIMIT_ENABLED
RATELIMIT_USE_CACHE = "default"
# The client's address behind HOD_TRUSTED_PROXY_COUNT proxies (0: REMOTE_ADDR, X-Forwarded-For never
# believed), the same for rate limits and for log-in throttling.
HOD_TRUSTED_PROXY_COUNT = envint("HOD_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
RATELIMIT_IP_META_KEY = "hod.client.client_ip"
AXES_CLIENT_IP_CALLABLE = "hod.client.client_ip"
# django-ratelimit wants memcached or django-redis: Django's own Redis cache increments atomically too,
# and the embedded mode's local cache is good enough for a demo on one machine.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

CELERY_BEAT_SCHEDULE = {
    "sweep-offers": {"task": "referrals.tasks.sweep", "schedule": float(HOD_SWEEP_INTERVAL_SECONDS)},
    # Messages the broker could not take go out within seconds of its return.
    "resend-lost-notifications": {"task": "notifications.tasks.resend_lost_notifications", "schedule": 10.0},
    # Daily, in the morning on the East Coast (14:00 UTC).
    "send-invitations": {"task": "agents.tasks.send_due_invitations", "schedule": crontab(hour=14, minute=0)},
    # Daily too: agents about to lose eligibility (new Terms, a plan year without their registration) are told.
    "warn-agents": {"task": "agents.tasks.warn_agents_before_ineligible", "schedule": crontab(hour=14, minute=30)},
    # Daily, at night on the East Coast (07:00 UTC): contact details HOD_RETENTION_DAYS after their request closed.
    "erase-consumer-data": {"task": "referrals.tasks.erase_consumer_data", "schedule": crontab(hour=7, minute=0)},
    # The dashboard's kept days: the last week's counted again every 5 minutes, the season's nightly.
    "refresh-daily-figures": {"task": "referrals.tasks.refresh_daily_figures", "schedule": 300.0},
    # Agents eligible and taking referrals by state and language (coverage, "right now", admin's alerts).
    "refresh-agent-counts": {"task": "referrals.tasks.refresh_agent_counts", "schedule": 60.0},
    "refresh-season-figures": {
        "task": "referrals.tasks.refresh_daily_figures",
        "schedule": crontab(hour=8, minute=0),
        "kwargs": {"whole_season": True},
    },
}

# Messages -------------------------------------------------------------------------------

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = 20  # seconds; a mail server that hangs must not hold a worker past its lease
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Help On Demand <no-reply@helpondemand.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who push services may write to about our Web Push messages (mailto: or https:).
HOD_VAPID_SUBJECT = envstr("HOD_VAPID_SUBJECT", "mailto:" + parseaddr(DEFAULT_FROM_EMAIL)[1])
HOD_SMS_BACKEND = envchoice("HOD_SMS_BACKEND", "file", ("console", "file", "memory", "twilio"))
HOD_PUSH_BACKEND = envchoice("HOD_PUSH_BACKEND", "file", ("console", "file", "memory", "fcm"))
HOD_MESSAGE_FILE_PATH = envstr("HOD_MESSAGE_FILE_PATH", str(VAR_DIR / "messages"))
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN", "")
TWILIO_MESSAGING_SERVICE_SID = envstr("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_FROM_NUMBER = envstr("TWILIO_FROM_NUMBER", "")
TWILIO_API_URL = ""  # tests point the library at a stand-in; production uses Twilio's own address
# A service-account JSON file's path (or its content) for Firebase Cloud Messaging.
FCM_CREDENTIALS = envstr("FCM_CREDENTIALS", "")
# Web Push to the browsers agents register (notifications.vapid): base64url keys as `web-push generate-vapid-keys`
# prints them. Unset, the embedded mode makes a pair once and keeps it in VAR_DIR; elsewhere Web Push is off.
HOD_VAPID_PUBLIC_KEY = envstr("HOD_VAPID_PUBLIC_KEY", "")
HOD_VAPID_PRIVATE_KEY = envstr("HOD_VAPID_PRIVATE_KEY", "")
HOD_WEB_PUSH_ANY_ENDPOINT = False  # tests let subscriptions point at a local stand-in push service over http
# Anymail: the provider's settings go here (for example ANYMAIL_POSTMARK_SERVER_TOKEN → POSTMARK_SERVER_TOKEN);
# delivery webhooks at /anymail/<provider>/tracking/ need WEBHOOK_SECRET ("user:password" basic auth).
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_") and value
}

# Internationalization -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# Static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("HOD_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# USWDS comes from its npm package (installed by `make run` and `make test`), never copied into the
# repository; its css, js, fonts and img folders keep their relative places under static/uswds/.
USWDS_DIST = BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    *[(f"uswds/{part}", USWDS_DIST / part) for part in ("css", "js", "fonts", "img")],
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # Admin's dashboards: charts, and the map of the states (pre-projected TopoJSON, no tiles from elsewhere).
    ("chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("d3", BASE_DIR / "node_modules" / "d3-array" / "dist"),
    ("d3", BASE_DIR / "node_modules" / "d3-geo" / "dist"),
    ("topojson", BASE_DIR / "node_modules" / "topojson-client" / "dist"),
    ("us-atlas", BASE_DIR / "node_modules" / "us-atlas"),
    # Passkeys in the browser (the log-in page and the profile).
    ("simplewebauthn", BASE_DIR / "node_modules" / "@simplewebauthn" / "browser" / "dist" / "bundle"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security -------------------------------------------------------------------------------

# Production serves over HTTPS: an https HOD_BASE_URL turns on secure cookies, HSTS and the
# redirect. Behind a proxy that terminates TLS, set HOD_TRUST_X_FORWARDED_PROTO=true.
SECURE_SSL_REDIRECT = envbool("HOD_SECURE_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = envint("HOD_HSTS_SECONDS", 31536000 if _HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
if envbool("HOD_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [HOD_BASE_URL]
CSRF_FAILURE_VIEW = "hod.views.csrf_failure"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "agents.passwords.HelpOnDemandPasswordValidator"},  # the seed's rules, for sign-up and resets alike
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Log-in --------------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out log-in before checking the password
    "django.contrib.auth.backends.ModelBackend",
    "agents.passkeys.PasskeyBackend",  # log-in with a passkey (fingerprint, face or PIN); axes throttles it too
]
LOGIN_URL = "agents:login"
LOGIN_REDIRECT_URL = "agents:home"
# Sessions end after this much idle time (each request a person makes restarts the clock; the portal's
# background refreshes do not), and HOD_SESSION_MAX_HOURS after the log-in whatever happens (hod.sessions).
SESSION_COOKIE_AGE = envint("HOD_SESSION_IDLE_MINUTES", 480, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = False
HOD_SESSION_MAX_HOURS = envint("HOD_SESSION_MAX_HOURS", 12, minimum=1)
# Failed log-ins: after 5 for one username from one address, a 15-minute cool-off (never a permanent lock).
AXES_FAILURE_LIMIT = envint("HOD_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = envint("HOD_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agents.views.auth.locked_out"
AXES_USERNAME_CALLABLE = "agents.views.auth.attempted_username"
AXES_VERBOSE = False
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day

# Where the Help On Demand mobile apps are (links on "Your registration is almost complete!"; empty: none).
HOD_APP_IOS_URL = envstr("HOD_APP_IOS_URL", "")
HOD_APP_ANDROID_URL = envstr("HOD_APP_ANDROID_URL", "")
HOD_INVITATION_HOURS = 48
# Consumers' contact details are erased this many days after their request closes (the privacy page says so).
HOD_RETENTION_DAYS = envint("HOD_RETENTION_DAYS", 180, minimum=1)
# Where consumers write to have their details deleted sooner (the privacy page).
HOD_PRIVACY_EMAIL = envstr("HOD_PRIVACY_EMAIL", "privacy@helpondemand.example")
PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"

# Logging: identifiers only, never a consumer's contact details ----------------------------

LOG_LEVEL = envchoice("HOD_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No link secret or contact detail reaches a log, whoever logs it (Django's request log included).
    "filters": {"redact": {"()": "hod.redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        **{app: {"level": LOG_LEVEL} for app in ("hod", "agents", "referrals", "matching", "notifications")},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},  # runserver's access log
    },
}
