"""`/healthz`: can this process reach the database and the broker?"""

import logging
import os
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hod.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database unreachable")
        return False


def broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            if conn.transport_cls == "filesystem":
                # The embedded broker is a folder: it answers when the folder can be written.
                folder = Path(conn.transport_options["data_folder_in"])
                return folder.is_dir() and os.access(folder, os.W_OK)
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            return True
    except Exception:
        logger.exception("health: broker unreachable")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if database_answers() else "unreachable",
        "broker": "ok" if broker_answers() else "unreachable",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
