"""Builders for the indicator tests, on top of the shared cast in waymark/core/testing.py.

The cast's plan covers 2017, so its periods are locked today; `current_plan` runs from the
start of last year to the end of next year, so the period holding today is open.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from waymark.core.models import Change
from waymark.core.services import snapshot
from waymark.core.testing import Cast, make_plan
from waymark.core.tests.builders import row
from waymark.indicators.models import (
    Indicator,
    Measurement,
    Period,
    Revision,
    Target,
    Transition,
)
from waymark.indicators.periods import spans
from waymark.indicators.services import indicator_create, measurement_approve, measurement_save
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Plan

D = datetime.date
EVERYONE = ["admin", "manager", "contributor", "viewer", "outsider"]


def make_indicator(cast: Cast, plan: Plan, code: str = "1.a", **data: Any) -> Indicator:
    return indicator_create(
        actor=cast.admin, plan=plan, data={"code": code, "title": f"Indicator {code}", **data}
    )


def current_plan(cast: Cast, title: str = "Action plan, running now", **data: Any) -> Plan:
    today = timezone.localdate()
    return make_plan(
        cast,
        title,
        start_date=D(today.year - 1, 1, 1),
        end_date=D(today.year + 1, 12, 31),
        **data,
    )


def period_on(indicator: Indicator, day: datetime.date) -> Period:
    """The indicator's period that holds the day."""
    return Period.objects.get(
        plan=indicator.plan, frequency=indicator.frequency, start__lte=day, end__gte=day
    )


def open_period(indicator: Indicator) -> Period:
    return period_on(indicator, timezone.localdate())


def previous_period(indicator: Indicator) -> Period:
    """The period just before the open one (in grace or locked, as the grace days decide)."""
    return period_on(indicator, open_period(indicator).start - datetime.timedelta(days=1))


def next_period(indicator: Indicator) -> Period:
    return period_on(indicator, open_period(indicator).end + datetime.timedelta(days=1))


def organisation(**settings: Any) -> Organisation:
    """Save the organisation's settings row (the defaults until an admin saves them)."""
    org, _ = Organisation.objects.update_or_create(pk=1, defaults=settings)
    return org


def grace_through_previous_quarter() -> Organisation:
    """Grace days that keep the quarter before today's in grace (to its last day) and lock every
    earlier one, whatever the day of the quarter."""
    today = timezone.localdate()
    [quarter] = spans("quarterly", today, today, Organisation.get().fiscal_year_start_month)
    return organisation(grace_days=(today - quarter.start).days + 1)


def approved(
    cast: Cast,
    indicator: Indicator,
    period: Period,
    data: dict[str, Any],
    *,
    unit: Unit | None = None,
    by: Any = None,
) -> Measurement:
    """A value entered and submitted by a contributor (the outsider for the other unit), then
    approved by the admin."""
    unit = unit or cast.dept
    by = by or (cast.outsider if unit == cast.other else cast.contributor)
    measurement = measurement_save(
        actor=by, indicator=indicator, period=period, unit=unit, data=data, submit=True
    )
    return measurement_approve(actor=cast.admin, measurement=measurement)


def counts() -> dict[str, int]:
    """How many rows every table a write of this app touches holds."""
    return {
        "indicators": Indicator.all_objects.count(),
        "measurements": Measurement.all_objects.count(),
        "targets": Target.objects.count(),
        "revisions": Revision.objects.count(),
        "transitions": Transition.objects.count(),
        "periods": Period.objects.count(),
        "changes": Change.objects.count(),
    }


@contextmanager
def refused(field: str, *objs: models.Model) -> Iterator[dict[str, list[str]]]:
    """The block raises a ValidationError naming `field`; no row is added anywhere, and the given
    objects' stored rows and in-memory state are as before. Yields the errors, filled on exit."""
    before = counts()
    stored = [row(obj) for obj in objs]
    in_memory = [snapshot(obj) for obj in objs]
    errors: dict[str, list[str]] = {}
    with pytest.raises(ValidationError) as caught:
        yield errors
    errors.update(caught.value.message_dict)
    assert field in errors, errors
    assert errors[field][0]
    assert counts() == before
    assert [row(obj) for obj in objs] == stored
    assert [snapshot(obj) for obj in objs] == in_memory
