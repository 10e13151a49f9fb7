from agents.management.commands._import import ImportCommand
from agents.models import ImportRun


class Command(ImportCommand):
    help = "Import the MLMS profile and Help On Demand training export (a full snapshot)."
    kind = ImportRun.Kind.MLMS
