"""Indicator charts, drawn on the server as SVG by pygal: the same picture on screen, in print
and (later) in PDF reports, with no JavaScript and nothing loaded from elsewhere."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

import pygal
from django.utils.translation import gettext as _

from waymark.indicators.models import Indicator
from waymark.indicators.selectors import PeriodFigures
from waymark.plans.charts import chart_style, render

STYLE = chart_style(("#1d4ed8", "#b35900", "#6b7280"))


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
    svg = render(
        chart,
        desc=_("Actual against target and baseline of %(code)s over %(n)d periods.")
        % {"code": indicator.code, "n": len(cells)},
    )
    # The card's heading is the visible title; the SVG's own names the chart for screen readers.
    return svg.replace(
        "<title>Pygal</title>", f"<title>{escape(str(_('Actual against target')))}</title>", 1
    )
