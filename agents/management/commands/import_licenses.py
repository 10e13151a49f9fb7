from agents.management.commands._import import ImportCommand
from agents.models import ImportRun


class Command(ImportCommand):
    help = "Import licenses and lines of authority from NIPR (a full snapshot)."
    kind = ImportRun.Kind.LICENSES
