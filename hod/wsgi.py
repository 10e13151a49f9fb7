"""WSGI entry point for gunicorn: `gunicorn hod.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")

application = get_wsgi_application()

# Load the ZIP codes now, not when the first consumer of this process sends the form (about 2 s).
from hod.reference.lookups import warm_up  # noqa: E402 (needs Django set up)

warm_up()
