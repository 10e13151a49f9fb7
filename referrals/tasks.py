from celery import shared_task

from referrals.erasure import run_erasure
from referrals.reporting import coverage, daily
from referrals.sweep import offer_waiting_referrals, sweep_once


@shared_task(ignore_result=True)
def sweep() -> str:
    """Beat runs this every HOD_SWEEP_INTERVAL_SECONDS; `manage.py sweep_offers` runs the same step."""
    return str(sweep_once())


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def offer_waiting() -> int:
    """An agent switched on: waiting referrals go out now, not at the next sweep."""
    return offer_waiting_referrals()


@shared_task(ignore_result=True)
def erase_consumer_data() -> int:
    """Beat runs this daily: contact details HOD_RETENTION_DAYS after their request closed are erased;
    `manage.py erase_consumer_data` runs the same step."""
    return run_erasure().done


@shared_task(ignore_result=True)
def refresh_daily_figures(whole_season: bool = False) -> int:
    """Beat runs this every few minutes for the last week's kept figures, and nightly for the season's:
    the dashboard then reads a past day back instead of counting it again."""
    return daily.refresh(whole_season=whole_season)


@shared_task(ignore_result=True)
def refresh_agent_counts() -> int:
    """Beat runs this every minute: the agents eligible and taking referrals by state and language, for the
    coverage page, the dashboard's "right now" and admin's alerts, so that none of them waits for the count."""
    counts, _at = coverage.refresh_agent_counts()
    return len(counts)
