"""Writes for indicators, periods, targets and measurements: permission, validation, write
and change entry in one transaction. Errors are ValidationError keyed by the field that is
wrong; nothing is half-saved.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.services import (
    check_version,
    record_change,
    record_create,
    restore_batch,
    reverting,
    save_update,
    snapshot,
    soft_delete,
)
from waymark.indicators.health import dump_rules, parse_rules
from waymark.indicators.models import (
    Dimension,
    Indicator,
    Measurement,
    Period,
    Revision,
    Target,
    Transition,
)
from waymark.indicators.periods import spans
from waymark.indicators.progress import refresh_indicator
from waymark.indicators.selectors import (
    can_enter,
    can_manage_indicator,
    can_review,
    can_unlock,
)
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Element, Plan
from waymark.plans.progress import refresh_plan
from waymark.plans.selectors import can_manage_plan

INDICATOR_FIELDS = (
    "code",
    "title",
    "definition",
    "rationale",
    "unit_of_measure",
    "measure_type",
    "scale_levels",
    "currency",
    "numerator_at_most_denominator",
    "direction",
    "band_low",
    "band_high",
    "baseline_value",
    "baseline_date",
    "baseline_comment",
    "baseline_not_available",
    "frequency",
    "aggregation",
    "cumulative",
    "target_value",
    "data_source",
    "means_of_verification",
    "collection_method",
    "calculation",
    "health_basis",
    "health_rules",
)
INDICATOR_M2M = (
    "elements",
    "data_owners",
    "reporting_units",
    "dimensions",
    "numerator_of",
    "denominator_of",
)
MEASUREMENT_FIELDS = (
    "value",
    "denominator",
    "text",
    "date_collected",
    "comment",
    "evidence_file",
    "evidence_link",
    "breakdown",
)
MAX_AMOUNT = Decimal(10) ** 15
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_EXTENSIONS = {
    "pdf", "png", "jpg", "jpeg", "webp", "gif", "txt", "csv", "xlsx", "xls", "docx", "doc",
    "odt", "ods", "pptx", "zip",
}  # fmt: skip
YES = {"yes", "y", "true", "1", "тийм", "т"}
NO = {"no", "n", "false", "0", "үгүй", "ү"}  # noqa: RUF001


# -- values ------------------------------------------------------------------------------------
def parse_amount(value: Any, field: str, *, allow_negative: bool = True) -> Decimal | None:
    """A number from a form, an API or a spreadsheet cell: 1250, "1,250.5", "1 250", "12,5"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number, e.g. 1250 or 1,250.5.")})
    if isinstance(value, float):
        text = repr(round(value, 10))  # a spreadsheet's 0.30000000000000004 is 0.3
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"-?\d+,\d{1,2}", text):  # a decimal comma: 12,5
            text = text.replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):  # thousands separators
            text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: _("Enter a number, e.g. 1250 or 1,250.5.")}) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValidationError({field: _("Enter a number, e.g. 1250 or 1,250.5.")})
    if amount < 0 and not allow_negative:
        raise ValidationError({field: _("The number cannot be negative.")})
    if amount != amount.quantize(Decimal("0.0001")):
        raise ValidationError({field: _("Use at most four decimal places.")})
    return amount.quantize(Decimal("0.0001"))


def _parse_date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%Y.%m.%d", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError({field: _("Enter a date such as 2017-03-31.")})


def parse_measurement_value(indicator: Indicator, data: dict[str, Any]) -> dict[str, Any]:
    """The value in the indicator's type: {"value", "denominator", "text"}, validated."""
    kind = indicator.measure_type
    raw = data.get("value")
    if kind == Indicator.MeasureType.QUALITATIVE:
        text = str(data.get("text") or raw or "").strip()
        return {"value": None, "denominator": None, "text": text}
    if kind == Indicator.MeasureType.YES_NO:
        if raw in (None, ""):
            return {"value": None, "denominator": None, "text": ""}
        word = str(raw).strip().lower()
        if isinstance(raw, bool):
            word = "yes" if raw else "no"
        elif re.fullmatch(r"[01](\.0*)?", word):  # 1, 1.0, a stored 1.0000
            word = word[0]
        if word in YES:
            return {"value": Decimal(1), "denominator": None, "text": ""}
        if word in NO:
            return {"value": Decimal(0), "denominator": None, "text": ""}
        raise ValidationError({"value": _("Answer yes or no.")})
    if kind == Indicator.MeasureType.ORDINAL:
        levels = [str(level) for level in indicator.scale_levels or []]
        if raw in (None, ""):
            return {"value": None, "denominator": None, "text": ""}
        text = str(raw).strip()
        if text in levels:
            return {"value": Decimal(levels.index(text) + 1), "denominator": None, "text": ""}
        try:
            level = int(Decimal(text))
        except (InvalidOperation, ValueError, OverflowError):  # "abc", "NaN", "Infinity"
            level = 0
        if not 1 <= level <= len(levels) or Decimal(text) != level:
            raise ValidationError(
                {
                    "value": _("Choose one of the levels: %(levels)s.")
                    % {"levels": ", ".join(levels)}
                }
            )
        return {"value": Decimal(level), "denominator": None, "text": ""}
    if kind == Indicator.MeasureType.PERCENTAGE:
        numerator = parse_amount(raw, "value", allow_negative=False)
        denominator = parse_amount(data.get("denominator"), "denominator", allow_negative=False)
        if numerator is None and denominator is None:
            return {"value": None, "denominator": None, "text": ""}
        if numerator is None:
            raise ValidationError({"value": _("Enter the numerator as well.")})
        if denominator is None:
            raise ValidationError({"denominator": _("Enter the denominator as well.")})
        if denominator == 0:
            raise ValidationError({"denominator": _("The denominator cannot be zero.")})
        if indicator.numerator_at_most_denominator and numerator > denominator:
            raise ValidationError(
                {
                    "value": _(
                        "The numerator (%(n)s) cannot be larger than the denominator (%(d)s)."
                    )
                    % {"n": plain_number(numerator), "d": plain_number(denominator)}
                }
            )
        return {"value": numerator, "denominator": denominator, "text": ""}
    return {"value": parse_amount(raw, "value"), "denominator": None, "text": ""}


def plain_number(amount: Decimal | None) -> str:
    """An amount as a person types it: 1250, 12.5 (no exponent, no trailing zeros)."""
    if amount is None:
        return ""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- indicators --------------------------------------------------------------------------------
def _apply_indicator(indicator: Indicator, data: dict[str, Any]) -> dict[str, list[Any]]:
    unknown = set(data) - set(INDICATOR_FIELDS) - set(INDICATOR_M2M)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    for key in INDICATOR_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, str) and key not in ("definition", "rationale"):
                value = value.strip()
            setattr(indicator, key, value)
    _validate_indicator(indicator)
    m2m = {key: list(data[key]) for key in INDICATOR_M2M if key in data}
    _validate_indicator_links(indicator, m2m)
    return m2m


def _validate_indicator(indicator: Indicator) -> None:
    if not indicator.code:
        raise ValidationError({"code": _("Give the indicator a code, e.g. 1.1.a.")})
    if not indicator.title:
        raise ValidationError({"title": _("Give the indicator a title.")})
    taken = Indicator.objects.filter(plan_id=indicator.plan_id, code=indicator.code)
    if indicator.pk:
        taken = taken.exclude(pk=indicator.pk)
    if taken.exists():
        raise ValidationError(
            {"code": _("Another indicator of this plan has the code %s.") % indicator.code}
        )
    choices = {
        "measure_type": Indicator.MeasureType,
        "direction": Indicator.Direction,
        "frequency": Indicator.Frequency,
        "aggregation": Indicator.AggregationRule,
        "calculation": Indicator.Calculation,
        "health_basis": Indicator.HealthBasis,
    }
    for key, kind in choices.items():
        if getattr(indicator, key) not in kind.values:
            raise ValidationError({key: _("Choose one of the options.")})
    if indicator.calculation == Indicator.Calculation.RATIO:
        indicator.measure_type = Indicator.MeasureType.PERCENTAGE
    elif indicator.calculation == Indicator.Calculation.SUM:
        indicator.measure_type = Indicator.MeasureType.NUMBER
    levels = indicator.scale_levels or []
    if not isinstance(levels, list):
        raise ValidationError({"scale_levels": _("List the levels, lowest first.")})
    indicator.scale_levels = [str(x).strip() for x in levels if str(x).strip()]
    if indicator.measure_type == Indicator.MeasureType.ORDINAL:
        if len(indicator.scale_levels) < 2:
            raise ValidationError(
                {
                    "scale_levels": _(
                        "Name at least two levels, lowest first (e.g. Poor, Fair, Good)."
                    )
                }
            )
    else:
        indicator.scale_levels = []
    if indicator.measure_type == Indicator.MeasureType.CURRENCY:
        indicator.currency = (indicator.currency or Organisation.get().default_currency).upper()
        if indicator.currency not in list_currencies():
            raise ValidationError(
                {"currency": _("“%s” is not an ISO 4217 currency code.") % indicator.currency}
            )
    else:
        indicator.currency = ""
    for key in ("band_low", "band_high", "baseline_value", "target_value"):
        setattr(indicator, key, parse_amount(getattr(indicator, key), key))
    if indicator.direction == Indicator.Direction.MAINTAIN:
        if indicator.band_low is None and indicator.band_high is None:
            raise ValidationError({"band_low": _("Give the band's lower or upper bound, or both.")})
        if (
            indicator.band_low is not None
            and indicator.band_high is not None
            and indicator.band_low > indicator.band_high
        ):
            raise ValidationError({"band_high": _("The upper bound is below the lower bound.")})
    indicator.baseline_date = _parse_date(indicator.baseline_date, "baseline_date")
    if indicator.baseline_not_available:
        indicator.baseline_value = None
        indicator.baseline_date = None
    rules = indicator.health_rules or []
    indicator.health_rules = dump_rules(parse_rules(rules)) if rules else []
    if indicator.frequency == Indicator.Frequency.ONE_OFF and indicator.cumulative:
        indicator.cumulative = False


def _validate_indicator_links(indicator: Indicator, m2m: dict[str, list[Any]]) -> None:
    for element in m2m.get("elements", []):
        if not isinstance(element, Element) or element.plan_id != indicator.plan_id:
            raise ValidationError({"elements": _("Choose elements of this indicator's plan.")})
    for key in ("numerator_of", "denominator_of"):
        components = m2m.get(key)
        if components is None and indicator.pk and indicator.calculation:
            components = list(getattr(indicator, key).all())  # a new frequency must match them
        for other in components or []:
            if other.plan_id != indicator.plan_id or (indicator.pk and other.pk == indicator.pk):
                raise ValidationError(
                    {key: _("A calculation uses other indicators of the same plan.")}
                )
            if other.is_ratio and not other.is_calculated:
                raise ValidationError(
                    {
                        key: _("%(code)s is a percentage; calculate from the counts it is made of.")
                        % {"code": other.code}
                    }
                )
            if other.is_calculated:
                raise ValidationError(
                    {
                        key: _("%(code)s is calculated itself; use indicators that are entered.")
                        % {"code": other.code}
                    }
                )
            if other.frequency != indicator.frequency:
                raise ValidationError(
                    {
                        key: _(
                            "%(code)s is reported %(freq)s; use indicators of the same frequency."
                        )
                        % {"code": other.code, "freq": other.get_frequency_display().lower()}
                    }
                )
    if indicator.calculation:
        numerator = (
            m2m["numerator_of"]
            if "numerator_of" in m2m
            else (list(indicator.numerator_of.all()) if indicator.pk else [])
        )
        if not numerator:
            raise ValidationError(
                {"numerator_of": _("Choose the indicators this one is calculated from.")}
            )
        if indicator.calculation == Indicator.Calculation.RATIO:
            denominator = (
                m2m["denominator_of"]
                if "denominator_of" in m2m
                else (list(indicator.denominator_of.all()) if indicator.pk else [])
            )
            if not denominator:
                raise ValidationError({"denominator_of": _("Choose the denominator's indicators.")})


def _has_data(indicator: Indicator) -> bool:
    return indicator.pk is not None and Measurement.objects.filter(indicator=indicator).exists()


def indicator_create(*, actor: Any, plan: Plan, data: dict[str, Any]) -> Indicator:
    get_access(actor).require(can_manage_plan(actor, plan))
    if plan.is_deleted:
        raise ValidationError({"plan": _("This plan is in the trash; restore it first.")})
    indicator = Indicator(plan=plan)
    data = dict(data)
    data.setdefault("frequency", default_frequency(plan))
    with transaction.atomic():
        m2m = _apply_indicator(indicator, data)
        indicator.save()
        for key, values in m2m.items():
            getattr(indicator, key).set(values)
        record_create(actor=actor, obj=indicator, related=plan)
        periods_ensure(plan=plan, frequency=indicator.frequency)
        refresh_indicator(indicator)
    return indicator


def default_frequency(plan: Plan) -> str:
    """A new indicator reports as often as its plan does."""
    return (
        Indicator.Frequency.MONTHLY
        if plan.cadence == Plan.Cadence.MONTHLY
        else Indicator.Frequency.QUARTERLY
    )


def indicator_update(
    *,
    actor: Any,
    indicator: Indicator,
    data: dict[str, Any],
    version: int | None = None,
    reason: str = "",
) -> Indicator:
    """Change an indicator. Once it has data, a new baseline or life-of-plan target needs a
    reason; the old value is kept as a revision."""
    get_access(actor).require(can_manage_indicator(actor, indicator))
    reason = (reason or "").strip()
    with reverting(indicator), transaction.atomic():
        check_version(indicator, version)
        before = snapshot(indicator)
        old = {
            Revision.Kind.BASELINE: indicator.baseline_value,
            Revision.Kind.LIFE_TARGET: indicator.target_value,
        }
        had_data = _has_data(indicator)
        fixed = {
            "frequency": indicator.frequency,
            "measure_type": indicator.measure_type,
            "calculation": indicator.calculation,
            "scale_levels": list(indicator.scale_levels or []),
        }
        m2m = _apply_indicator(indicator, data)
        if had_data:  # what stored values mean may no longer change
            for key, was in fixed.items():
                now = getattr(indicator, key)
                if (list(now or []) if key == "scale_levels" else now) != was:
                    raise ValidationError(
                        {
                            key: _("This indicator has data; its %(what)s can no longer change.")
                            % {"what": getattr(Indicator._meta.get_field(key), "verbose_name", key)}
                        }
                    )
        new = {
            Revision.Kind.BASELINE: indicator.baseline_value,
            Revision.Kind.LIFE_TARGET: indicator.target_value,
        }
        revisions = [
            Revision(
                indicator=indicator,
                kind=kind,
                old_value=old[kind],
                new_value=new[kind],
                reason=reason,
                actor=actor,
            )
            for kind in old
            if old[kind] != new[kind]
        ]
        if revisions and had_data and not reason:
            field = (
                "baseline_value" if revisions[0].kind == Revision.Kind.BASELINE else "target_value"
            )
            raise ValidationError(
                {field: _("This indicator has data: say why the value changes (the reason).")}
            )
        save_update(actor=actor, obj=indicator, before=before, related=indicator.plan, m2m=m2m)
        Revision.objects.bulk_create(revisions)
        periods_ensure(plan=indicator.plan, frequency=indicator.frequency)
        refresh_indicator(indicator)
    return indicator


def indicator_delete(*, actor: Any, indicator: Indicator) -> None:
    get_access(actor).require(can_manage_indicator(actor, indicator))
    users = sorted(
        {i.code for i in indicator.numerator_in.all()}
        | {i.code for i in indicator.denominator_in.all()}
    )
    if users:
        raise ValidationError(
            {
                "indicator": _(
                    "Indicators %(codes)s are calculated from this one; change their "
                    "calculation first."
                )
                % {"codes": ", ".join(users)}
            }
        )
    with transaction.atomic():
        soft_delete(actor=actor, objs=[indicator], related=indicator.plan)
        refresh_plan(indicator.plan)


def indicator_restore(*, actor: Any, indicator: Indicator) -> Indicator:
    get_access(actor).require(can_manage_indicator(actor, indicator))
    if not indicator.is_deleted or indicator.deletion_batch is None:
        raise ValidationError({"indicator": _("This indicator is not deleted.")})
    if Indicator.objects.filter(plan_id=indicator.plan_id, code=indicator.code).exists():
        raise ValidationError(
            {"code": _("Another indicator of this plan now has the code %s.") % indicator.code}
        )
    with transaction.atomic():
        restore_batch(
            actor=actor, model=Indicator, batch=indicator.deletion_batch, related=indicator.plan
        )
        indicator.refresh_from_db()
        refresh_indicator(indicator)
    return indicator


# -- periods -----------------------------------------------------------------------------------
def periods_ensure(*, plan: Plan, frequency: str) -> list[Period]:
    """The plan's periods of a frequency, creating those missing (the plan's dates decide)."""
    org = Organisation.get()
    wanted = spans(frequency, plan.start_date, plan.end_date, org.fiscal_year_start_month)
    existing = {p.start: p for p in Period.objects.filter(plan=plan, frequency=frequency)}
    missing = [
        Period(plan=plan, frequency=frequency, start=s.start, end=s.end, label=s.label)
        for s in wanted
        if s.start not in existing
    ]
    if missing:
        Period.objects.bulk_create(missing, ignore_conflicts=True)
    return list(Period.objects.filter(plan=plan, frequency=frequency).order_by("start"))


def period_unlock(
    *, actor: Any, period: Period, until: datetime.datetime, reason: str, version: int | None = None
) -> Period:
    """Reopen a locked period for data until a set time, with a reason (an admin only)."""
    get_access(actor).require(can_unlock(actor, period))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is unlocked.")})
    if until <= timezone.now():
        raise ValidationError({"until": _("Choose a time in the future.")})
    with reverting(period), transaction.atomic():
        check_version(period, version)
        before = snapshot(period)
        period.unlocked_until = until
        period.unlock_reason = reason
        period.unlocked_by = actor
        save_update(actor=actor, obj=period, before=before, related=period.plan)
    return period


def period_lock(*, actor: Any, period: Period, version: int | None = None) -> Period:
    """End an unlock early."""
    get_access(actor).require(can_unlock(actor, period))
    with reverting(period), transaction.atomic():
        check_version(period, version)
        before = snapshot(period)
        period.unlocked_until = None
        save_update(actor=actor, obj=period, before=before, related=period.plan)
    return period


# -- targets -----------------------------------------------------------------------------------
def targets_set(
    *,
    actor: Any,
    indicator: Indicator,
    targets: dict[Period, Any],
    reason: str = "",
) -> list[Target]:
    """Set the indicator's targets per period (a blank value removes one). Once the indicator
    has data, changing a target needs a reason; every change keeps the old value."""
    get_access(actor).require(can_manage_indicator(actor, indicator))
    reason = (reason or "").strip()
    had_data = _has_data(indicator)
    with transaction.atomic():
        existing = {t.period_id: t for t in Target.objects.filter(indicator=indicator)}
        changed: list[Target] = []
        for period, raw in targets.items():
            if period.plan_id != indicator.plan_id or period.frequency != indicator.frequency:
                raise ValidationError({"period": _("Choose a period of this indicator.")})
            value = parse_amount(raw, f"target_{period.pk}")
            target = existing.get(period.pk)
            old = target.value if target else None
            if old == value:
                continue
            if had_data and not reason:
                raise ValidationError(
                    {
                        f"target_{period.pk}": _(
                            "This indicator has data: say why the target for %(period)s changes."
                        )
                        % {"period": period.label},
                    }
                )
            if old is not None or had_data:  # a first target before any data is no revision
                Revision.objects.create(
                    indicator=indicator,
                    kind=Revision.Kind.TARGET,
                    period=period,
                    old_value=old,
                    new_value=value,
                    reason=reason,
                    actor=actor,
                )
            if target is None:
                assert value is not None
                target = Target.objects.create(indicator=indicator, period=period, value=value)
                record_create(actor=actor, obj=target, related=indicator)
            elif value is None:
                record_change(
                    actor=actor,
                    obj=target,
                    action=Change.Action.DELETE,
                    before=snapshot(target),
                    after=None,
                    related=indicator,
                )
                target.delete()
                continue
            else:
                before = snapshot(target)
                target.value = value
                save_update(actor=actor, obj=target, before=before, related=indicator)
            changed.append(target)
        refresh_indicator(indicator)
    return changed


# -- measurements ------------------------------------------------------------------------------
def _clean_breakdown(indicator: Indicator, raw: Any) -> dict[str, dict[str, dict[str, str]]]:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError(
            {"breakdown": _("A breakdown maps each dimension to its categories.")}
        )
    dimensions = {d.name: d for d in indicator.dimensions.all()}
    clean: dict[str, dict[str, dict[str, str]]] = {}
    for name, categories in raw.items():
        dimension = dimensions.get(name)
        if dimension is None:
            raise ValidationError(
                {"breakdown": _("“%s” is not a dimension of this indicator.") % name}
            )
        if not isinstance(categories, dict):
            raise ValidationError(
                {"breakdown": _("A breakdown maps each dimension to its categories.")}
            )
        for category, cell in categories.items():
            if category not in dimension.categories:
                raise ValidationError(
                    {
                        "breakdown": _("“%(c)s” is not a category of %(d)s.")
                        % {"c": category, "d": name}
                    }
                )
            cell = cell if isinstance(cell, dict) else {"value": cell}
            field = f"breakdown.{name}.{category}"
            value = parse_amount(cell.get("value"), field, allow_negative=False)
            if value is None:
                continue
            entry = {"value": plain_number(value)}
            if indicator.is_ratio:
                denominator = parse_amount(cell.get("denominator"), field, allow_negative=False)
                if denominator is None or denominator == 0:
                    raise ValidationError(
                        {field: _("Give each category of a percentage its denominator.")}
                    )
                entry["denominator"] = plain_number(denominator)
            clean.setdefault(name, {})[category] = entry
    return clean


def _check_evidence(upload: Any) -> None:
    if not upload:
        return
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {"evidence_file": _("Attach a document, spreadsheet, image or PDF (not .%s).") % ext}
        )
    if getattr(upload, "size", 0) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence_file": _("The file is larger than 10 MB.")})


def _require_open(period: Period, org: Organisation) -> None:
    if not period.accepts_data(org.grace_days):
        status = period.status(org.grace_days)
        if status == Period.Status.UPCOMING:
            raise ValidationError(
                {"period": _("%(period)s has not started yet.") % {"period": period.label}}
            )
        raise ValidationError(
            {
                "period": _(
                    "%(period)s is locked; ask an admin to unlock it if data must still change."
                )
                % {"period": period.label}
            }
        )


def _transition(
    measurement: Measurement,
    to: str,
    actor: Any,
    reason: str = "",
    *,
    from_status: str | None = None,
) -> None:
    Transition.objects.create(
        measurement=measurement,
        from_status=measurement.status if from_status is None else from_status,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
    )


def measurement_save(
    *,
    actor: Any,
    indicator: Indicator,
    period: Period,
    unit: Unit,
    data: dict[str, Any],
    version: int | None = None,
    submit: bool = False,
    org: Organisation | None = None,
) -> Measurement:
    """Enter or correct the unit's value for the period (a draft, or a returned one), and
    optionally submit it in the same step."""
    access = get_access(actor)
    access.require(can_enter(actor, indicator, unit))
    unknown = set(data) - set(MEASUREMENT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    if period.plan_id != indicator.plan_id or period.frequency != indicator.frequency:
        raise ValidationError({"period": _("Choose a period of this indicator.")})
    org = org or Organisation.get()
    _require_open(period, org)
    with transaction.atomic():
        measurement = (
            Measurement.objects.select_for_update()
            .filter(indicator=indicator, period=period, unit=unit)
            .first()
        )
        creating = measurement is None
        if measurement is None:
            measurement = Measurement(
                indicator=indicator, period=period, unit=unit, entered_by=actor
            )
        elif not measurement.editable_status:
            raise ValidationError(
                {
                    "value": _("This value is %(status)s and can no longer be edited.")
                    % {"status": measurement.get_status_display().lower()}
                }
            )
        elif version == 0:  # the writer saw no value yet, and someone has entered one since
            raise ConflictError(
                current_version=measurement.version,
                changed={"value": {"before": None, "after": plain_number(measurement.value)}},
            )
        else:
            check_version(measurement, version)
        before = snapshot(measurement) if not creating else {}
        with reverting(measurement):
            if any(k in data for k in ("value", "denominator", "text")):
                parsed = parse_measurement_value(indicator, data)
                measurement.value = parsed["value"]
                measurement.denominator = parsed["denominator"]
                measurement.text = parsed["text"]
            if "date_collected" in data:
                collected = _parse_date(data["date_collected"], "date_collected")
                if collected and collected > timezone.localdate():
                    raise ValidationError(
                        {"date_collected": _("The date collected cannot be in the future.")}
                    )
                measurement.date_collected = collected
            if "comment" in data:
                measurement.comment = (data["comment"] or "").strip()
            if "evidence_link" in data:
                link = (data["evidence_link"] or "").strip()
                if link and not re.match(r"^https?://", link):
                    raise ValidationError(
                        {
                            "evidence_link": _(
                                "Give a web address starting with http:// or https://."
                            )
                        }
                    )
                measurement.evidence_link = link
            if data.get("evidence_file"):
                _check_evidence(data["evidence_file"])
                measurement.evidence_file = data["evidence_file"]
            if "breakdown" in data:
                measurement.breakdown = _clean_breakdown(indicator, data["breakdown"])
            if creating:
                try:
                    with transaction.atomic():
                        measurement.save()
                except IntegrityError:  # someone entered the same value a moment ago
                    raise ConflictError(current_version=1, changed={}) from None
                _transition(measurement, Measurement.Status.DRAFT, actor, from_status="")
                record_create(actor=actor, obj=measurement, related=indicator)
            else:
                save_update(actor=actor, obj=measurement, before=before, related=indicator)
            if submit:
                _submit(actor, measurement, org)
    return measurement


def _has_value(measurement: Measurement) -> bool:
    return measurement.value is not None or bool(measurement.text)


def _submit(actor: Any, measurement: Measurement, org: Organisation) -> None:
    if not _has_value(measurement):
        raise ValidationError({"value": _("Enter a value before submitting.")})
    before = snapshot(measurement)
    _transition(measurement, Measurement.Status.SUBMITTED, actor)
    measurement.status = Measurement.Status.SUBMITTED
    measurement.submitted_by = actor
    measurement.submitted_at = timezone.now()
    # Due on the period's last day; the grace days still take late data, marked as late.
    measurement.late = timezone.localdate() > measurement.period.end
    save_update(actor=actor, obj=measurement, before=before, related=measurement.indicator)


def measurement_submit(
    *, actor: Any, measurement: Measurement, version: int | None = None
) -> Measurement:
    get_access(actor).require(can_enter(actor, measurement.indicator, measurement.unit))
    org = Organisation.get()
    _require_open(measurement.period, org)
    with reverting(measurement), transaction.atomic():
        check_version(measurement, version)
        if not measurement.editable_status:
            raise ValidationError(
                {"status": _("Only a draft or a returned value can be submitted.")}
            )
        _submit(actor, measurement, org)
    return measurement


def measurement_approve(
    *, actor: Any, measurement: Measurement, version: int | None = None
) -> Measurement:
    """Accept a submitted value: it now counts in the period's actual."""
    if not can_review(actor, measurement):
        if can_review(actor, measurement, approving=False):  # a manager, but the submitter
            raise PermissionDenied(_("You cannot approve your own submission."))
        raise PermissionDenied
    with reverting(measurement), transaction.atomic():
        check_version(measurement, version)
        if measurement.status != Measurement.Status.SUBMITTED:
            raise ValidationError({"status": _("Only a submitted value can be approved.")})
        before = snapshot(measurement)
        _transition(measurement, Measurement.Status.APPROVED, actor)
        measurement.status = Measurement.Status.APPROVED
        save_update(actor=actor, obj=measurement, before=before, related=measurement.indicator)
        refresh_indicator(measurement.indicator)
    return measurement


def measurement_return(
    *, actor: Any, measurement: Measurement, reason: str, version: int | None = None
) -> Measurement:
    """Send a submitted (or approved) value back to its owners with the reason."""
    get_access(actor).require(can_review(actor, measurement, approving=False))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what must be corrected.")})
    with reverting(measurement), transaction.atomic():
        check_version(measurement, version)
        if measurement.status not in (Measurement.Status.SUBMITTED, Measurement.Status.APPROVED):
            raise ValidationError(
                {"status": _("Only a submitted or approved value can be returned.")}
            )
        was_approved = measurement.status == Measurement.Status.APPROVED
        before = snapshot(measurement)
        _transition(measurement, Measurement.Status.RETURNED, actor, reason)
        measurement.status = Measurement.Status.RETURNED
        save_update(actor=actor, obj=measurement, before=before, related=measurement.indicator)
        if was_approved:  # it no longer counts in the actual
            refresh_indicator(measurement.indicator)
    return measurement


def measurement_delete(*, actor: Any, measurement: Measurement) -> None:
    """Withdraw a draft or returned value (it goes to the trash)."""
    get_access(actor).require(can_enter(actor, measurement.indicator, measurement.unit))
    if not measurement.editable_status:
        raise ValidationError({"status": _("Only a draft or a returned value can be withdrawn.")})
    soft_delete(actor=actor, objs=[measurement], related=measurement.indicator)


# -- many at once ------------------------------------------------------------------------------
@dataclass
class Entry:
    """One value in a batch (the "My data" page or a spreadsheet row)."""

    key: str  # how errors are reported back: a row number, a cell key
    indicator: Indicator
    period: Period
    unit: Unit
    data: dict[str, Any]
    version: int | None = None


class BatchError(Exception):
    """Some entries were refused; nothing of the batch was saved."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]) -> None:
        self.errors = errors
        super().__init__(
            ngettext(
                "Nothing was saved: %(n)d value needs correcting.",
                "Nothing was saved: %(n)d values need correcting.",
                len(errors),
            )
            % {"n": len(errors)}
        )


def measurements_save_batch(
    *, actor: Any, entries: Iterable[Entry], submit: bool = False
) -> list[Measurement]:
    """Save (and optionally submit) many values in one go: all of them, or none."""
    errors: dict[str, dict[str, list[str]]] = {}
    saved: list[Measurement] = []
    org = Organisation.get()  # once for the batch
    with transaction.atomic():
        for entry in entries:
            try:
                with transaction.atomic():
                    saved.append(
                        measurement_save(
                            actor=actor,
                            indicator=entry.indicator,
                            period=entry.period,
                            unit=entry.unit,
                            data=entry.data,
                            version=entry.version,
                            submit=submit,
                            org=org,
                        )
                    )
            except ValidationError as exc:
                errors[entry.key] = (
                    {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
                    if hasattr(exc, "error_dict")
                    else {"value": [str(m) for m in exc.messages]}
                )
            except PermissionDenied:
                errors[entry.key] = {
                    "value": [
                        _("You may not enter data of %(code)s for %(unit)s.")
                        % {"code": entry.indicator.code, "unit": entry.unit.label}
                    ]
                }
            except ConflictError as exc:  # someone else saved first
                errors[entry.key] = {"value": [str(exc)]}
        if errors:
            raise BatchError(errors)
    return saved


def dimension_save(
    *, actor: Any, name: str, categories: list[str], dimension: Dimension | None = None
) -> Dimension:
    """Create or change a disaggregation dimension (an admin of the organisation)."""
    get_access(actor).require(get_access(actor).is_org_admin)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the dimension, e.g. Sex.")})
    clean = [c.strip() for c in categories if c and c.strip()]
    if len(clean) < 2:
        raise ValidationError({"categories": _("Give at least two categories.")})
    taken = Dimension.objects.filter(name=name)
    if dimension is not None:
        taken = taken.exclude(pk=dimension.pk)
    if taken.exists():
        raise ValidationError({"name": _("Another dimension is called %s.") % name})
    with transaction.atomic():
        if dimension is None:
            dimension = Dimension.objects.create(name=name, categories=clean)
            record_create(actor=actor, obj=dimension)
        else:
            before = snapshot(dimension)
            dimension.name, dimension.categories = name, clean
            save_update(actor=actor, obj=dimension, before=before)
    return dimension
