from django import template

from agents.availability import switch_explained

register = template.Library()


@register.simple_tag
def switch_state(agent) -> str:
    """`{% switch_state agent %}`: where the switch is, why, and until when."""
    return switch_explained(agent)
