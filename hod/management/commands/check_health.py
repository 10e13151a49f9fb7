import sys

from django.core.management.base import BaseCommand

from hod.health import broker_answers, database_answers, sweep_health


class Command(BaseCommand):
    help = (
        "Exit 0 when this installation is healthy, non-zero with the reason when not: the database always; "
        "with --sweep, the last successful sweep (stale after three sweep intervals); with --broker, the broker. "
        "For an orchestrator's probe on beat, or a monitoring cron."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sweep", action="store_true", help="fail when the sweep has not succeeded lately")
        parser.add_argument("--broker", action="store_true", help="fail when the broker cannot be reached")

    def handle(self, *args, sweep: bool = False, broker: bool = False, **options) -> None:
        problems = []
        if not database_answers():
            self._fail(["the database cannot be reached"])
        self.stdout.write("database: ok")
        if broker:
            if broker_answers():
                self.stdout.write("broker: ok")
            else:
                problems.append("the broker cannot be reached")
        if sweep:
            health = sweep_health()
            if health.stale:
                problems.append(health.reason())
            else:
                self.stdout.write(f"sweep: {health.reason()}")
        if problems:
            self._fail(problems)

    def _fail(self, problems: list[str]) -> None:
        for problem in problems:
            self.stderr.write(f"unhealthy: {problem}")
        sys.exit(1)
