"""`{% load reporting_inbox %}{% unread_count as n %}`: the signed-in person's unread count."""

from __future__ import annotations

from typing import Any

from django import template

from waymark.reporting.inbox import unread_count as count_unread

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    return count_unread(getattr(request, "user", None))
