"""Small presentation helpers: health badges, state badges, progress bars, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from waymark.core.i18n import babel_locale
from waymark.org.models import Health, Organisation

register = template.Library()


def _org(context: template.Context) -> Organisation:
    org = context.get("org")
    return org if isinstance(org, Organisation) else Organisation.get()


@register.simple_tag(takes_context=True)
def health_badge(
    context: template.Context, health: str, overridden: bool = False, reason: str = ""
) -> SafeString:
    """Health as a coloured dot AND a word; never colour alone. The reason, when given, is
    the badge's tooltip."""
    health = health or Health.NOT_ASSESSED
    style = _org(context).health_style(health)
    note = format_html(' <span class="why">({})</span>', _("manual")) if overridden else ""
    return format_html(
        '<span class="health health-{}" style="color:{}"{}>{}{}</span>',
        health,
        style["colour"],
        format_html(' title="{}"', reason) if reason and not overridden else "",
        style["label"],
        note,
    )


@register.simple_tag(takes_context=True)
def status_word(context: template.Context, element: Any) -> SafeString | str:
    """The organisation's own status word for the element, when it keeps a vocabulary."""
    word = _org(context).status_word(element.state, element.effective_health)
    if word is None:
        return ""
    return format_html(
        '<span class="status-word" style="--c:{}">{}</span>', word["colour"], word["label"]
    )


@register.simple_tag(takes_context=True)
def health_colour(context: template.Context, health: str) -> str:
    return _org(context).health_style(health or Health.NOT_ASSESSED)["colour"]


@register.simple_tag(takes_context=True)
def health_label(context: template.Context, health: str) -> str:
    return _org(context).health_style(health or Health.NOT_ASSESSED)["label"]


@register.simple_tag
def state_badge(value: str, label: str) -> SafeString:
    return format_html('<span class="badge state-{}">{}</span>', value, label)


@register.simple_tag
def progress_bar(percent: int | None) -> SafeString:
    pct = max(0, min(100, int(percent or 0)))
    return format_html(
        '<div class="progress" role="img" aria-label="{}">'
        '<div class="bar"><span style="width:{}%"></span></div><span class="pct">{}%</span></div>',
        _("%(pct)d%% complete") % {"pct": pct},
        pct,
        pct,
    )


@register.simple_tag(takes_context=True)
def money(context: template.Context, amount: Decimal | None, currency: str = "") -> str:
    """An amount in the organisation's currency, formatted for the reader's language."""
    if amount is None or amount == "":
        return "—"
    code = currency or _org(context).default_currency
    value = Decimal(amount)
    pattern = "¤#,##0" if value == value.to_integral_value() else "¤#,##0.00"
    text = format_currency(
        value, code, format=pattern, locale=babel_locale(), currency_digits=False
    )
    symbol = CURRENCY_SYMBOLS.get(code)
    return text.replace(code, symbol) if symbol else text


CURRENCY_SYMBOLS = {"MNT": "₮"}  # CLDR's English data writes "MNT"; readers expect the sign


@register.filter
def percent_of(part: Any, whole: Any) -> float:
    try:
        return round(100 * float(part or 0) / float(whole), 1) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0
