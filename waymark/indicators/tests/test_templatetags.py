"""How values read on the pages: in the indicator's terms, and % met never rounded across a band."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context
from django.utils import translation

from waymark.indicators.aggregation import Value
from waymark.indicators.models import Indicator
from waymark.indicators.templatetags.indicators import percent_met_badge, show_value


@pytest.mark.parametrize(
    ("percent", "shown", "band"),
    [
        (Decimal("99.8"), "99.8%", "warn"),
        (Decimal("99.96"), "99.9%", "warn"),
        (Decimal("84.97"), "84.9%", "bad"),
        (Decimal("100"), "100%", "ok"),
        (Decimal("84.7"), "84.7%", "bad"),
        (Decimal("85.2"), "85%", "warn"),
        (Decimal("47.6"), "48%", "bad"),
    ],
)
def test_percent_met_keeps_its_band_visible_in_the_number(
    percent: Decimal, shown: str, band: str
) -> None:
    html = str(percent_met_badge(percent))
    assert f"met-{band}" in html and f">{shown}<" in html


@pytest.mark.parametrize(
    ("kind", "extra", "value", "shown"),
    [
        ("number", {}, Value(Decimal("1250.5")), "1,250.5"),
        ("percentage", {}, Value(Decimal(12), Decimal(20)), "60%"),
        ("yes_no", {}, Value(Decimal(1)), "Yes"),
        ("yes_no", {}, Value(Decimal(0)), "No"),
        ("ordinal", {"scale_levels": ["Poor", "Fair", "Good"]}, Value(Decimal(2)), "Fair"),
        ("currency", {"currency": "MNT"}, Value(Decimal(1500000)), "₮1,500,000"),
    ],
)
def test_a_value_reads_in_the_indicators_terms(
    kind: str, extra: dict, value: Value, shown: str, db: None
) -> None:
    indicator = Indicator(measure_type=kind, **extra)
    with translation.override("en"):
        assert show_value(Context({}), indicator, value) == shown
