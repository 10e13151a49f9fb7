"""Admin for what `agents` owns: agents (with every state against every rule), invitations, the CMS data and imports."""

from agents.admin import agents, cms  # noqa: F401 (registers the model admins)
