"""Help On Demand: the project package (settings, URLs, the Celery app, health)."""

from hod.celery import app as celery_app

__all__ = ["celery_app"]
