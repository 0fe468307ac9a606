"""Showing indicator values as their readers expect: 1,250 officials, 62.5%, ₮1,500,000, Yes,
"Good" on an ordinal scale."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from babel.numbers import format_decimal
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from waymark.core.i18n import babel_locale
from waymark.core.templatetags.waymark import money
from waymark.indicators.aggregation import Value
from waymark.indicators.models import Indicator, Measurement, Period

register = template.Library()


def number(amount: Decimal | float | None, places: int = 2) -> str:
    """A number with the reader's separators and at most `places` decimals."""
    if amount is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    value = Decimal(str(amount)).quantize(quantum).normalize()
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0." + "#" * places
    return format_decimal(value, format=pattern, locale=babel_locale())


@register.simple_tag(takes_context=True)
def show_value(context: template.Context, indicator: Indicator, value: Any) -> str:
    """A measurement, a Value or a plain amount in the indicator's terms."""
    if value is None:
        return "—"
    if isinstance(value, Measurement):
        if indicator.measure_type == Indicator.MeasureType.QUALITATIVE:
            return value.text or "—"
        value = value.as_value()
        if value is None:
            return "—"
    amount = value.amount if isinstance(value, Value) else value
    if amount is None:
        return "—"
    kind = indicator.measure_type
    if indicator.is_ratio:
        return f"{number(amount, 1)}%"
    if kind == Indicator.MeasureType.YES_NO:
        if isinstance(value, Value) and value.numerator not in (0, 1):
            return _("%(n)s × yes")  # noqa: RUF001 % {"n": number(value.numerator, 0)}
        return _("Yes") if amount else _("No")
    if kind == Indicator.MeasureType.ORDINAL:
        levels = indicator.scale_levels or []
        index = int(Decimal(amount).to_integral_value())
        if Decimal(amount) == index and 1 <= index <= len(levels):
            return levels[index - 1]
        return number(amount, 1)
    if kind == Indicator.MeasureType.CURRENCY:
        return money(context, Decimal(amount), indicator.currency)
    return number(amount)


@register.simple_tag
def ratio_parts(measurement: Measurement | None) -> str:
    """ "12 / 20" beside a percentage, so the reader sees what it is made of."""
    if measurement is None or measurement.denominator is None or measurement.value is None:
        return ""
    return f"{number(measurement.value)} / {number(measurement.denominator)}"


@register.simple_tag
def percent_met_badge(percent: Decimal | None) -> SafeString | str:
    """% of target met, as a number and a word-bearing colour band (never colour alone)."""
    if percent is None:
        return "—"
    level = _band(percent)
    shown = Decimal(percent).quantize(Decimal(1))
    if _band(shown) != level:  # never round across a band: 99.96% is not "100%"
        shown = Decimal(percent).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return format_html('<span class="met met-{}">{}%</span>', level, number(shown, 1))


def _band(percent: Decimal) -> str:
    return "ok" if percent >= 100 else ("warn" if percent >= 85 else "bad")


@register.simple_tag
def period_status_badge(status: str) -> SafeString:
    label = dict(Period.Status.choices).get(status, status)
    return format_html('<span class="badge period-{}">{}</span>', status, label)


@register.simple_tag
def measurement_status_badge(measurement: Measurement) -> SafeString:
    late = format_html(' <span class="badge late">{}</span>', _("Late")) if measurement.late else ""
    return format_html(
        '<span class="badge mstatus-{}">{}</span>{}',
        measurement.status,
        measurement.get_status_display(),
        late,
    )


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, None when missing."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
