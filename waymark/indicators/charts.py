"""Indicator charts, drawn on the server as SVG by pygal: the same picture on screen, in print
and (later) in PDF reports, with no JavaScript and nothing loaded from elsewhere."""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from waymark.indicators.models import Indicator
from waymark.indicators.selectors import PeriodFigures

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    colors=("#1d4ed8", "#b35900", "#6b7280"),
    font_family="'Noto Sans', 'DejaVu Sans', system-ui, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=11,
    title_font_size=14,
    stroke_width="2.5",
)
_SCRIPT = re.compile(r"<script.*?</script>|<!--.*?-->", re.S)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def indicator_chart(indicator: Indicator, cells: list[PeriodFigures]) -> str:
    """Actual against target and baseline over the periods, as an SVG string."""
    chart = pygal.Line(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=760,
        height=300,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        show_y_guides=True,
        dots_size=4,
        margin=12,
        allow_interruptions=True,
        print_values=False,
        x_label_rotation=-30 if len(cells) > 8 else 0,
        truncate_label=-1,
        y_title=indicator.shown_unit or None,
        no_data_text=_("No data yet"),
        include_x_axis=indicator.measure_type != Indicator.MeasureType.ORDINAL,
    )
    chart.x_labels = [cell.period.label for cell in cells]
    chart.add(_("Actual"), [_number(cell.actual_amount) for cell in cells])
    chart.add(
        _("Target"),
        [_number(cell.target) for cell in cells],
        stroke_style={"dasharray": "7,5", "width": 2},
        dots_size=3,
    )
    if indicator.baseline_value is not None:
        chart.add(
            _("Baseline"),
            [_number(indicator.baseline_value)] * len(cells),
            stroke_style={"dasharray": "2,4", "width": 1.5},
            show_dots=False,
        )
    svg = chart.render(is_unicode=True)
    # The configuration script and the generator comments serve pygal's own JavaScript,
    # which is not loaded; they would only be inline script for the page.
    return _SCRIPT.sub("", svg)
