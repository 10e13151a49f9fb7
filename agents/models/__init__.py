"""What `agents` owns: who the agents are, what CMS says about them, and what they chose in Help On Demand."""

from agents.models.agent import Agent, ScheduleState, StateDeselection, User
from agents.models.audit import AgentChange, AgentNotice
from agents.models.availability import Absence, WeeklyHours
from agents.models.cms import (
    HealthLineOfAuthority,
    ImportRun,
    License,
    LineOfAuthority,
    MarketplaceRegistration,
    TrainingCompletion,
)
from agents.models.invitation import Invitation
from agents.models.passkey import Passkey
from agents.models.terms import TermsAcceptance, TermsDocument

__all__ = [
    "Absence",
    "Agent",
    "AgentChange",
    "AgentNotice",
    "HealthLineOfAuthority",
    "ImportRun",
    "Invitation",
    "License",
    "LineOfAuthority",
    "MarketplaceRegistration",
    "Passkey",
    "ScheduleState",
    "StateDeselection",
    "TermsAcceptance",
    "TermsDocument",
    "TrainingCompletion",
    "User",
    "WeeklyHours",
]
