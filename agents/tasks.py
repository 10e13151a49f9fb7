from contextlib import suppress

from celery import shared_task

from agents.imports import ImportFailed, run_import
from agents.invitations import send_invitations
from agents.models import ImportRun


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_uploaded_import(run_id: int) -> None:
    """An import uploaded in admin. Claimed with a conditional update, so a redelivered task runs it once."""
    if not ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.WAITING).update(status=ImportRun.Status.RUNNING):
        return
    run = ImportRun.objects.get(pk=run_id)
    with suppress(ImportFailed):  # a failed import's report lists every bad row
        run_import(run, run.source)


@shared_task(ignore_result=True)
def send_due_invitations() -> int:
    """Beat runs this daily; `manage.py send_invitations` does the same."""
    return send_invitations()


@shared_task(ignore_result=True)
def warn_agents_before_ineligible() -> int:
    """Beat runs this daily: agents about to lose eligibility are told what to do, once per cause."""
    from agents.notices import warn_agents_before_ineligible as warn

    return warn()
