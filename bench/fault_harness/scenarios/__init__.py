"""The fault suite's scenarios, one module each, by the name bench/faults.py is given them. A scenario takes the
run and returns its checks; it imports the application's modules inside its functions, as Django is set up only
once the stack's settings exist."""

from collections.abc import Callable

from .beat import beat_stopped_then_doubled
from .common import Check, Run
from .fuzz import malformed_requests
from .onboarding import registered_agents_lapse
from .redis_outage import redis_outage
from .worker import worker_killed

SCENARIOS: dict[str, tuple[str, Callable[[Run], list[Check]]]] = {
    "worker": ("worker killed twice during 300 submissions in 30 s", worker_killed),
    "redis": ("Redis down for 60 s during 200 submissions, rate limits on", redis_outage),
    "beat": ("beat down for 2 minutes with offers due, then two beats for 30 s", beat_stopped_then_doubled),
    "fuzz": ("1,000 malformed form posts and 200 odd requests", malformed_requests),
    "onboarding": ("agents register through the pages, then their offers lapse", registered_agents_lapse),
}
