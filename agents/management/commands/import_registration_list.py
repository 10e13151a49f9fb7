from agents.management.commands._import import ImportCommand
from agents.models import ImportRun


class Command(ImportCommand):
    help = "Import the FFM Registration Completion List (a full snapshot per plan year)."
    kind = ImportRun.Kind.REGISTRATION_LIST
