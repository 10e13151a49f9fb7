from django import template

from hod import local_time

register = template.Library()


@register.filter
def in_zone(moment, zone: str) -> str:
    """`{{ referral.created_at|in_zone:zone }}`: the moment in that time zone, with its short name."""
    return local_time.in_zone(moment, zone)
