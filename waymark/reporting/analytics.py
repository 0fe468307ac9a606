"""Reason analytics: why plans slip, from the coded off-track reasons of reviews.

Question 2 of the Dornod method ("If you are off track, why?") is answered with codes (a) to
(e), an external change or another reason. Counted by code, by unit, by tier, by period and by
year, they show the organisation where and why its plans slip; the latest explanations per code
say it in people's own words.

A person sees the reasons of reviews of the plans they see. Everything is counted in the
database: `reason_counts` takes the same number of queries for 3 reasons or 30,000.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pygal
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import Coalesce, ExtractYear, RowNumber
from django.utils.translation import gettext as _

from waymark.plans.charts import _VALUE_TEXT, _number, _truncate, chart_style, render
from waymark.plans.models import DEFAULT_TIERS, Element, Plan
from waymark.plans.selectors import plans_visible_to
from waymark.reporting.models import Review, ReviewReason

Code = ReviewReason.Code
CODES: list[str] = list(Code.values)
# One colour per code, the same in every chart (Okabe-Ito: told apart with colour blindness,
# and each bar and legend entry carries the code's words as well).
CODE_COLOURS: dict[str, str] = {
    Code.UNDERESTIMATED: "#E69F00",
    Code.WRONG_PEOPLE: "#56B4E9",
    Code.LEADER_CAPACITY: "#009E73",
    Code.PRIORITIES: "#0072B2",
    Code.BUDGET: "#D55E00",
    Code.EXTERNAL: "#CC79A7",
    Code.OTHER: "#7B8794",
}
SHORT_CODES = ("a", "b", "c", "d", "e")
RECENT_PER_CODE = 5
MAX_BARS = 12  # a chart shows the first eleven rows and the rest together; its table shows all
CHART_WIDTH = 760


@dataclass
class ReasonRow:
    """One unit, tier, period or year: how many reasons of each code it holds."""

    key: Any
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    order: tuple[Any, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        """The counts in the order of the codes (for a table row)."""
        return [self.counts.get(code, 0) for code in CODES]

    def add(self, code: str, n: int) -> None:
        self.counts[code] = self.counts.get(code, 0) + n


@dataclass
class Explanation:
    """What someone said when giving a reason: the words, the element, the review."""

    code: str
    text: str
    element: Element
    review: Review

    @property
    def period(self) -> Any:
        return self.review.period


@dataclass
class CodeCount:
    code: str
    label: str
    count: int
    colour: str
    recent: list[Explanation] = field(default_factory=list)

    @property
    def short(self) -> str:
        """The heading of the code's column: (a) to (e) for the coded reasons, else the words."""
        return f"({self.code})" if self.code in SHORT_CODES else self.label


@dataclass
class ReasonCounts:
    total: int
    by_code: list[CodeCount]
    by_unit: list[ReasonRow]
    by_tier: list[ReasonRow]
    by_period: list[ReasonRow]
    by_year: list[ReasonRow]
    # The years that hold reasons (for the filter), whatever year was chosen.
    years: list[int]
    plan: Plan | None = None
    year: int | None = None

    @property
    def codes(self) -> list[tuple[str, str]]:
        return [(c.code, c.label) for c in self.by_code]

    @property
    def most_given(self) -> CodeCount | None:
        """The code given most often (the first in code order on a tie)."""
        given = [c for c in self.by_code if c.count]
        return max(given, key=lambda c: c.count) if given else None

    @property
    def explained(self) -> list[CodeCount]:
        """The codes with at least one explanation in words, most frequent first."""
        return sorted((c for c in self.by_code if c.recent), key=lambda c: -c.count)


def reasons_visible_to(person: Any) -> QuerySet[ReviewReason]:
    """Off-track reasons of live reviews of the plans the person sees."""
    return ReviewReason.objects.filter(
        item__review__plan__in=plans_visible_to(person),
        item__review__deleted_at__isnull=True,
        item__review__plan__deleted_at__isnull=True,
        item__element__deleted_at__isnull=True,
    )


def reason_counts(
    person: Any, *, plan: Plan | None = None, year: int | None = None
) -> ReasonCounts:
    """The off-track reasons the person may see, counted by code, unit (the element's
    responsible unit, else the plan's owner unit), tier (the plan's name of the element's
    level), period and year (of the period's start), with the latest explanations per code.

    Optionally only one plan's reasons (of a plan the person sees) or one year's. Four
    queries whatever the number of reasons."""
    visible = reasons_visible_to(person)
    if plan is not None:
        visible = visible.filter(item__review__plan=plan)
    years = sorted(
        y
        for y in visible.annotate(year=ExtractYear("item__review__period__start"))
        .values_list("year", flat=True)
        .distinct()
        .order_by()
        if y is not None
    )
    chosen = visible
    if year is not None:
        chosen = chosen.filter(item__review__period__start__year=year)

    rows = list(
        chosen.values(
            "code",
            plan_id=F("item__review__plan_id"),
            depth=F("item__element__depth"),
            unit_id=Coalesce("item__element__responsible_unit", "item__review__plan__owner_unit"),
            unit_name=Coalesce(
                "item__element__responsible_unit__name", "item__review__plan__owner_unit__name"
            ),
            unit_path=Coalesce(
                "item__element__responsible_unit__path", "item__review__plan__owner_unit__path"
            ),
            period_label=F("item__review__period__label"),
            period_start=F("item__review__period__start"),
            period_end=F("item__review__period__end"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    tiers = _tiers({row["plan_id"] for row in rows})

    codes: dict[str, int] = dict.fromkeys(CODES, 0)
    units: dict[Any, ReasonRow] = {}
    tier_rows: dict[str, ReasonRow] = {}
    periods: dict[str, ReasonRow] = {}
    years_rows: dict[int, ReasonRow] = {}
    for row in rows:
        code, n = row["code"], row["n"]
        codes[code] = codes.get(code, 0) + n
        unit = units.get(row["unit_id"])
        if unit is None:
            unit = units[row["unit_id"]] = ReasonRow(
                key=row["unit_id"], label=row["unit_name"] or "", order=(row["unit_path"] or "",)
            )
        unit.add(code, n)
        depth = row["depth"] or 1
        name = _tier_name(tiers.get(row["plan_id"]), depth)
        tier = tier_rows.get(name)
        if tier is None:
            tier = tier_rows[name] = ReasonRow(key=name, label=name, order=(depth, name))
        tier.order = min(tier.order, (depth, name))
        tier.add(code, n)
        start: datetime.date = row["period_start"]
        label = row["period_label"]
        period = periods.get(label)
        if period is None:
            period = periods[label] = ReasonRow(
                key=label, label=label, order=(start, row["period_end"], label)
            )
        period.order = min(period.order, (start, row["period_end"], label))
        period.add(code, n)
        in_year = years_rows.get(start.year)
        if in_year is None:
            in_year = years_rows[start.year] = ReasonRow(
                key=start.year, label=str(start.year), order=(start.year,)
            )
        in_year.add(code, n)

    by_code = [
        CodeCount(code=c, label=str(Code(c).label), count=codes.get(c, 0), colour=CODE_COLOURS[c])
        for c in CODES
    ]
    recent = _recent(chosen)
    for entry in by_code:
        entry.recent = recent.get(entry.code, [])
    return ReasonCounts(
        total=sum(codes.values()),
        by_code=by_code,
        by_unit=sorted(units.values(), key=lambda r: (-r.total, r.label.casefold(), r.order)),
        by_tier=sorted(tier_rows.values(), key=lambda r: r.order),
        by_period=sorted(periods.values(), key=lambda r: r.order),
        by_year=sorted(years_rows.values(), key=lambda r: r.order),
        years=years,
        plan=plan,
        year=year,
    )


def _tiers(plan_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(plan_ids)
    if not ids:
        return {}
    return dict(Plan.all_objects.filter(pk__in=ids).values_list("pk", "tiers"))


def _tier_name(tiers: list[str] | None, depth: int) -> str:
    names = tiers or DEFAULT_TIERS
    return str(names[min(depth, len(names)) - 1])


def _recent(reasons: QuerySet[ReviewReason]) -> dict[str, list[Explanation]]:
    """The latest RECENT_PER_CODE explanations in words of each code (one query)."""
    ranked = (
        reasons.exclude(text="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("code")],
                order_by=[F("item__review__held_on").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=RECENT_PER_CODE)
        .select_related(
            "item__element__plan",
            "item__element__responsible_unit",
            "item__review__period",
            "item__review__plan",
            "item__review__unit",
        )
        .order_by("code", "-item__review__held_on", "-id")
    )
    recent: dict[str, list[Explanation]] = {}
    for reason in ranked:
        recent.setdefault(reason.code, []).append(
            Explanation(
                code=reason.code,
                text=reason.text,
                element=reason.item.element,
                review=reason.item.review,
            )
        )
    return recent


def count_codes(reasons: Iterable[ReviewReason]) -> list[CodeCount]:
    """How often each code occurs among reasons already loaded (no query), in code order."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason.code] = counts.get(reason.code, 0) + 1
    return [
        CodeCount(code=c, label=str(Code(c).label), count=counts.get(c, 0), colour=CODE_COLOURS[c])
        for c in CODES
    ]


# -- charts ------------------------------------------------------------------------------------
def code_chart(counts: Sequence[CodeCount], *, title: str | None = None) -> str:
    """How often each reason was given, one bar per code in the code's colour, its words on the
    axis and its count printed after the bar."""
    title = title or _("Off-track reasons by code")
    total = sum(c.count for c in counts)
    chart = pygal.HorizontalBar(
        style=chart_style([CODE_COLOURS[Code.UNDERESTIMATED]]),
        title=title,
        width=CHART_WIDTH,
        height=120 + 36 * max(len(counts), 1),
        explicit_size=False,
        show_legend=False,
        margin=12,
        print_values=True,
        print_values_position="top",
        print_zeroes=False,
        truncate_label=-1,
        show_x_guides=False,
        show_y_guides=True,
        no_data_text=_("No data yet"),
        value_formatter=lambda v: _number(v),
    )
    if total:
        chart.y_labels = _whole_ticks(max(c.count for c in counts))
        # pygal draws the first label at the bottom; (a) belongs on top.
        ordered = list(reversed(counts))
        chart.x_labels = [_truncate(c.label, 44) for c in ordered]
        chart.add(
            _("Reasons"),
            [{"value": c.count, "color": c.colour, "label": c.label} for c in ordered],
        )
    if total:
        parts = "; ".join(f"{c.label}: {_number(c.count)}" for c in counts if c.count)
        desc = _("%(title)s, %(total)s in all: %(parts)s.") % {
            "title": title,
            "total": _number(total),
            "parts": parts,
        }
    else:
        desc = f"{title}: {_('No data yet')}."
    return without_series_ids(_anchor_values(render(chart, desc=desc)))


def stacked_chart(
    rows: Sequence[ReasonRow],
    *,
    title: str,
    horizontal: bool = True,
    label_chars: int = 34,
) -> str:
    """Reasons per unit, tier, period or year, stacked by code (each code its colour and its
    words in the legend; each segment prints its count when it has one)."""
    rows = _fold(rows, MAX_BARS) if horizontal else list(rows)
    used = [c for c in CODES if any(r.counts.get(c) for r in rows)]
    total = sum(r.total for r in rows)
    colours = [CODE_COLOURS[c] for c in used] or [CODE_COLOURS[Code.OTHER]]
    kind = pygal.HorizontalStackedBar if horizontal else pygal.StackedBar
    legend = 22 * ((len(used) + 1) // 2)
    height = (120 + 34 * max(len(rows), 1) if horizontal else 360) + legend
    chart = kind(
        style=chart_style(colours, value_colors=tuple("#1f2933" for _c in colours)),
        title=title,
        width=CHART_WIDTH,
        height=height,
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_legend=bool(total),
        margin=12,
        # pygal leaves room for len // 2 legend rows; an odd count needs one more.
        margin_bottom=12 + (22 if len(used) % 2 else 0),
        print_values=True,
        print_values_position="center",
        print_zeroes=False,
        truncate_label=-1,
        truncate_legend=-1,
        show_x_guides=not horizontal,
        show_y_guides=horizontal,
        x_label_rotation=0 if horizontal or len(rows) <= 8 else 30,
        no_data_text=_("No data yet"),
        value_formatter=lambda v: _number(v),
    )
    if total:
        chart.y_labels = _whole_ticks(max(r.total for r in rows))
        ordered = list(reversed(rows)) if horizontal else list(rows)
        chart.x_labels = [_truncate(r.label, label_chars) for r in ordered]
        for code in used:
            chart.add(str(Code(code).label), [r.counts.get(code) or None for r in ordered])
        parts = []
        for r in rows:
            each = ", ".join(
                f"{Code(c).label} {_number(r.counts[c])}" for c in CODES if r.counts.get(c)
            )
            parts.append(f"{r.label}: {_number(r.total)} ({each})")
        desc = _("%(title)s, %(total)s in all: %(parts)s.") % {
            "title": title,
            "total": _number(total),
            "parts": "; ".join(parts),
        }
    else:
        desc = f"{title}: {_('No data yet')}."
    return without_series_ids(render(chart, desc=desc))


def _fold(rows: Sequence[ReasonRow], limit: int) -> list[ReasonRow]:
    """The first `limit - 1` rows and one more holding the rest, when there are more."""
    if len(rows) <= limit:
        return list(rows)
    rest = ReasonRow(key=None, label="")
    for row in rows[limit - 1 :]:
        for code, n in row.counts.items():
            rest.add(code, n)
    rest.label = _("%(count)s more") % {"count": len(rows) - limit + 1}
    return [*rows[: limit - 1], rest]


def reason_charts(counts: ReasonCounts) -> dict[str, str]:
    """The analytics page's charts: by code, by unit, by tier and the trend over periods and
    over years (years only when the reasons span more than one)."""
    if not counts.total:
        return {}
    charts = {
        "code": code_chart(counts.by_code),
        "unit": stacked_chart(counts.by_unit, title=_("Off-track reasons by unit")),
        "tier": stacked_chart(counts.by_tier, title=_("Off-track reasons by tier")),
        "period": stacked_chart(
            counts.by_period, title=_("Off-track reasons by period"), horizontal=False
        ),
    }
    if len(counts.by_year) > 1:
        charts["year"] = stacked_chart(
            counts.by_year, title=_("Off-track reasons by year"), horizontal=False
        )
    return charts


_SERIES_ID = re.compile(r' id="activate-serie-\d+"')


def without_series_ids(svg: str) -> str:
    """The chart without the ids pygal gives each series for its own script (never loaded
    here): with several charts on one page or PDF they would repeat, and ids must be unique."""
    return _SERIES_ID.sub("", svg)


def _anchor_values(svg: str) -> str:
    """Start printed values at the bar's end rather than centring them on it."""
    return _VALUE_TEXT.sub(r'\1text-anchor="start"', svg)


def _whole_ticks(largest: int) -> list[int]:
    """Whole-number ticks from 0 to at least `largest`, at most nine of them (1, 2, 5, 10 ...
    apart): counts are never 1.5."""
    step, magnitude = 1, 1
    while True:
        for m in (1, 2, 5):
            step = m * magnitude
            if largest <= 8 * step:
                top = -(-largest // step) * step
                return list(range(0, max(top, step) + 1, step))
        magnitude *= 10
