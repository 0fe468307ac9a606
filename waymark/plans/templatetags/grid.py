"""The tracking grid's cells, rendered in Python: a page shows 100 rows of 12 cells, and
template includes with long if-chains made that the slowest part of the page."""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from waymark.core.templatetags.waymark import money, progress_bar, state_badge
from waymark.plans.models import Element

register = template.Library()
DASH = "—"


@cache
def _url_pattern(name: str) -> str:
    """The route with placeholders, reversed once: "/elements/{pk}/cell/{field}/"."""
    kwargs: dict[str, Any] = {"pk": 987654321}
    if name == "element-cell":
        kwargs["field"] = "FIELDNAME"
    return reverse(name, kwargs=kwargs).replace("987654321", "{pk}").replace("FIELDNAME", "{field}")


def cell_url(pk: int, field: str) -> str:
    return _url_pattern("element-cell").format(pk=pk, field=field)


def _date(value: Any) -> str:
    return value.isoformat() if value else DASH


def _display(context: template.Context, e: Element, field: str) -> SafeString:
    if field == "title":
        tier = e.tier + (f" · {e.policy_area}" if e.policy_area else "")
        quick = (
            format_html(' <span class="badge quick">{}</span>', _("Quick win"))
            if e.quick_win
            else ""
        )
        return format_html(
            '<span class="tier">{}</span><a href="{}">{}</a>{}',
            tier,
            _url_pattern("element-detail").format(pk=e.pk),
            e.title,
            quick,
        )
    if field == "state":
        overdue = (
            format_html(' <span class="badge overdue">{}</span>', _("Overdue"))
            if e.is_overdue
            else ""
        )
        return format_html("{}{}", state_badge(e.state, e.get_state_display()), overdue)
    if field == "priority":
        return format_html(
            '<span class="badge prio-{}">{}</span>', e.priority, e.get_priority_display()
        )
    if field == "percent_complete":
        return progress_bar(e.percent_complete)
    if field == "responsible_unit":
        return format_html("{}", e.responsible_unit.label if e.responsible_unit else DASH)
    if field == "lead":
        return format_html("{}", e.lead.name if e.lead else DASH)
    if field in ("start_date", "target_date", "completed_date"):
        return format_html("{}", _date(getattr(e, field)))
    if field == "decision_points":
        return format_html("{}", truncatechars(e.decision_points, 90) or DASH)
    if field in ("budget_planned", "budget_spent"):
        return format_html("{}", money(context, getattr(e, field)))
    raise ValueError(field)


@register.simple_tag(takes_context=True)
def grid_cell(context: template.Context, e: Element, field: str, focus: bool = False) -> SafeString:
    """A cell's value; for someone who may edit, wrapped in a button that opens the editor."""
    content = _display(context, e, field)
    if not getattr(e, "editable", False):
        return content
    label = _("Edit %(field)s of %(code)s") % {
        "field": getattr(Element._meta.get_field(field), "verbose_name", field),
        "code": e.code,
    }
    url = cell_url(e.pk, field) + "?edit=1"
    if field == "title":  # the title stays a link; a small pencil opens its editor
        return format_html(
            '{} <button type="button" class="linkbutton small" hx-get="{}" hx-target="closest .cell" '
            'hx-swap="innerHTML" aria-label="{}">✎</button>',
            content,
            url,
            label,
        )
    return format_html(
        '<button type="button" class="cell-edit"{} hx-get="{}" hx-target="closest .cell" '
        'hx-swap="innerHTML" aria-label="{}">{}</button>',
        mark_safe(" data-focus-after-save") if focus else "",
        url,
        label,
        content,
    )
