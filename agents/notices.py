"""Telling agents before they lose eligibility (filled in by issue 17, item 9)."""


def warn_agents_before_ineligible() -> int:
    return 0
