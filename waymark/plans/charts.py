"""Plan dashboard charts, drawn on the server as SVG: budget planned against spent, the health
distribution and the timeline of actions and milestones.

The same picture serves the page, print and PDF: no JavaScript, nothing loaded from elsewhere.
Every chart carries a <title> and a <desc> text alternative, and colour is never the only
signal: words, values or shapes go with it. The functions take plain data (no queries), so a
view or a PDF writer can feed them from its own selectors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import pygal
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal
from django.template import Context
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pygal.graph.graph import Graph
from pygal.style import Style

from waymark.core.i18n import babel_locale
from waymark.core.templatetags.waymark import money

FONT_FAMILY = "'Noto Sans', 'DejaVu Sans', system-ui, sans-serif"
INK = "#1f2933"
SUBTLE = "#7b8794"
OVERDUE = "#c62828"
# Light and dark: planned and spent differ in lightness too, which survives greyscale print.
PLANNED_COLOUR = "#9db4e0"
SPENT_COLOUR = "#1d4ed8"


def chart_style(colors: Sequence[str] = (PLANNED_COLOUR, SPENT_COLOUR), **extra: object) -> Style:
    """The house look (waymark/indicators/charts.py's STYLE) with the given series colours."""
    return Style(
        background="white",
        plot_background="white",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=SUBTLE,
        colors=tuple(colors),
        font_family=FONT_FAMILY,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=13,
        value_font_size=12,
        title_font_size=14,
        no_data_font_size=18,
        stroke_width="2.5",
        opacity="1",  # the configured colours as given, not paled
        opacity_hover="1",
        **extra,
    )


STYLE = chart_style()

# The configuration script and the generator comments serve pygal's own JavaScript, which is
# never loaded; in the page they would only be inline script and noise.
_SCRIPT = re.compile(r"<script.*?</script>|<!--.*?-->", re.S)
_ROOT_TITLE = re.compile(r"(<title>.*?</title>)", re.S)


def render(chart: Graph, *, desc: str = "") -> str:
    """A pygal chart as an inline SVG string: no JavaScript, no comments, no XML declaration,
    and a <desc> text alternative beside pygal's <title> when one is given."""
    svg = chart.render(is_unicode=True, js=[], disable_xml_declaration=True)
    svg = _SCRIPT.sub("", svg)
    if desc:
        # pygal writes the root <title> before any other; the text alternative goes after it.
        svg = _ROOT_TITLE.sub(lambda m: f"{m.group(1)}<desc>{escape(desc)}</desc>", svg, count=1)
    return svg


def _number(value: float | Decimal) -> str:
    return format_decimal(value, format="#,##0.##", locale=babel_locale())


def _amount(value: Decimal, currency: str) -> str:
    if not currency:
        return _number(value)
    return money(Context(), value, currency)


def _percent(part: Decimal | int, whole: Decimal | int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _luminance(colour: str) -> float | None:
    """The relative luminance (WCAG) of "#1a7f37" or "#1a3"; None for anything else."""
    hex_ = colour.strip().lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    if len(hex_) != 6:
        return None
    try:
        channels = [int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    except ValueError:
        return None
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _ink_on(colour: str) -> str:
    """White or dark text, whichever contrasts more with a background colour."""
    luminance = _luminance(colour)
    if luminance is None:
        return INK
    ink = _luminance(INK) or 0.0
    return "white" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / (ink + 0.05) else INK


# ---------------------------------------------------------------------------------------------
# Budget


def budget_chart(
    rows: Sequence[tuple[str, Decimal | None, Decimal | None]],
    *,
    currency: str,
    title: str | None = None,
) -> str:
    """Planned against spent per goal (label, planned, spent) as grouped horizontal bars, goals
    top to bottom in the order given. Each bar carries its word and amount after its end
    ("Planned: ₮1,500,000", "Spent: ₮750,000 (50%)"), so the two colours need not be told
    apart. A missing amount draws no bar; goals with neither are left out of the picture but
    not out of the text alternative."""
    title = title or _("Budget planned and spent")
    planned_word, spent_word = _("Planned"), _("Spent")
    shown = [row for row in rows if row[1] is not None or row[2] is not None]
    bars: list[tuple[str, str | None, str | None]] = []  # label, planned text, spent text
    for label, plan, spent in shown:
        share = f" ({_percent(spent, plan)})" if plan and spent is not None else ""
        bars.append(
            (
                _truncate(label, LABEL_CHARS),
                f"{planned_word}: {_amount(plan, currency)}" if plan is not None else None,
                f"{spent_word}: {_amount(spent, currency)}{share}" if spent is not None else None,
            )
        )
    # The values are printed after the bars: leave room on the right for the longest one.
    plot_px = BUDGET_WIDTH - 40 - 7 * max((len(bar[0]) for bar in bars), default=0)
    text_px = 7 * max((len(text or "") for bar in bars for text in bar[1:]), default=0) + 16
    largest = max((float(v) for row in shown for v in row[1:] if v is not None), default=0.0)
    top = largest * plot_px / max(plot_px - text_px, plot_px / 3) if largest > 0 else 1.0
    chart = pygal.HorizontalBar(
        style=STYLE,
        title=title,
        width=BUDGET_WIDTH,
        height=140 + 60 * max(len(shown), 1),
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        show_legend=bool(shown),
        margin=12,
        print_values=True,
        print_values_position="top",
        truncate_label=-1,
        truncate_legend=-1,
        show_x_guides=False,
        show_y_guides=bool(shown),
        show_x_labels=bool(shown),
        show_y_labels=bool(shown),
        range=(0, top),
        no_data_text=_("No data yet"),
        value_formatter=lambda v: format_compact_decimal(
            v, locale=babel_locale(), fraction_digits=1
        ),
    )
    if shown:
        # pygal draws the first label at the bottom; the first goal belongs on top.
        chart.x_labels = [bar[0] for bar in reversed(bars)]
        chart.y_labels = _ticks(top)
        pairs = list(zip(reversed(shown), reversed(bars), strict=True))
        chart.add(planned_word, [_bar(row[1], bar[1]) for row, bar in pairs])
        chart.add(spent_word, [_bar(row[2], bar[2]) for row, bar in pairs])

    parts = []
    for label, plan, spent in rows:
        plan_part = _amount(plan, currency) if plan is not None else "—"
        spent_part = _amount(spent, currency) if spent is not None else "—"
        share = f" ({_percent(spent, plan)})" if plan and spent is not None else ""
        parts.append(f"{label}: {planned_word} {plan_part}, {spent_word} {spent_part}{share}.")
    desc = " ".join([f"{title}.", *parts]) if shown else f"{title}: {_('No data yet')}."
    svg = render(chart, desc=desc)
    # pygal centres printed values on the bar's end; start them there instead, to the right.
    return _VALUE_TEXT.sub(r'\1text-anchor="start"', svg)


BUDGET_WIDTH = 760
LABEL_CHARS = 34
_VALUE_TEXT = re.compile(r'(<text )text-anchor="middle"(?=[^>]*class="value")')


def _bar(amount: Decimal | None, text: str | None) -> dict[str, object] | None:
    """One pygal bar value that prints `text`."""
    if amount is None or text is None:
        return None
    return {"value": float(amount), "formatter": lambda _value: text}


def _ticks(top: float) -> list[float]:
    """Four or five round values from 0 up to `top`."""
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(top // step) + 1)]


# ---------------------------------------------------------------------------------------------
# Health distribution


def health_chart(counts: Sequence[tuple[str, str, str, int]], *, title: str | None = None) -> str:
    """How many elements are in each health class, as one horizontal stacked bar.

    `counts` is (key, label, colour, count) in the organisation's order and colours. The legend
    reads "On track: 12" for every class (zero included); each segment prints the same words
    when it is wide enough, else its count, in white or dark ink, whichever reads better."""
    title = title or _("Health distribution")
    counts = [(key, label, colour, max(count, 0)) for key, label, colour, count in counts]
    total = sum(count for _key, _label, _colour, count in counts)
    colours = [colour for _key, _label, colour, _count in counts] or [SUBTLE]
    chart = pygal.HorizontalStackedBar(
        style=chart_style(colours, value_colors=tuple(_ink_on(c) for c in colours)),
        title=title,
        width=760,
        height=150 + 22 * ((len(counts) + 3) // 4),
        explicit_size=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(max(len(counts), 1), 4),
        margin=12,
        print_values=True,
        print_values_position="center",
        print_zeroes=False,
        truncate_legend=-1,
        show_x_labels=False,
        show_y_labels=False,
        show_x_guides=False,
        show_y_guides=False,
        spacing=0,
        no_data_text=_("No data yet"),
    )
    chart.x_labels = [title]
    for _key, label, _colour, count in counts:
        words = f"{label}: {_number(count)}"
        # About 7.5 px a character at 12 px, in a plot some 730 px wide.
        text = words if len(words) * 7.5 + 8 < 730 * count / (total or 1) else _number(count)
        value = {"value": count, "label": label, "formatter": lambda _v, text=text: text}
        chart.add(words, [value if count else None])
    if total:
        parts = [
            f"{label}: {_number(count)} ({_percent(count, total)})"
            for _key, label, _colour, count in counts
        ]
        desc = _("%(title)s, %(total)s in all: %(parts)s.") % {
            "title": title,
            "total": _number(total),
            "parts": "; ".join(parts),
        }
    else:
        desc = f"{title}: {_('No data yet')}."
    return render(chart, desc=desc)


# ---------------------------------------------------------------------------------------------
# Timeline


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One action on the timeline. `health_label` and `colour` come from the organisation's
    health vocabulary; `state` is the lifecycle state's label; milestones are
    (date, title, done)."""

    code: str
    title: str
    start: date | None
    end: date | None
    state: str
    health_label: str
    colour: str
    overdue: bool
    milestones: list[tuple[date, str, bool]] = field(default_factory=list)


WIDTH = 960
ROW_HEIGHT = 24
BAR_HEIGHT = 12
PLOT_LEFT = 412  # code, title and health word to the left
PLOT_RIGHT = WIDTH - 14
HEADER = 76
CODE_X, TITLE_X, HEALTH_X = 12, 78, 318
TITLE_CHARS, HEALTH_CHARS = 32, 13
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _diamond(cx: float, cy: float, r: float) -> str:
    return (
        f"M{cx:.1f} {cy - r:.1f}L{cx + r:.1f} {cy:.1f}L{cx:.1f} {cy + r:.1f}L{cx - r:.1f} {cy:.1f}Z"
    )


def _warning(x: float, cy: float) -> str:
    """A small warning triangle whose left corner is at x."""
    return f"M{x:.1f} {cy + 5:.1f}L{x + 6:.1f} {cy - 6:.1f}L{x + 12:.1f} {cy + 5:.1f}Z"


def _months(first: date, last: date) -> list[date]:
    """The first day of every month that starts inside [first, last]."""
    month = date(first.year, first.month, 1)
    if month < first:
        month = _next_month(month)
    out = []
    while month <= last:
        out.append(month)
        month = _next_month(month)
    return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def timeline(
    rows: Sequence[TimelineRow],
    *,
    start: date,
    end: date,
    today: date,
    title: str | None = None,
) -> str:
    """A Gantt chart of actions and milestones with today's line, as hand-made SVG.

    pygal has no Gantt chart (its bar charts share one value axis and cannot place a bar
    between two dates), so this one writes the SVG itself, in the same spirit: no script,
    nothing loaded from elsewhere, fixed width with a viewBox so it scales, height growing
    with the rows. Days are whole: an action from 1 January to 30 June fills half of a
    January to December timeline.

    Each row shows the action's code, its title (truncated; the full one is in the row's
    tooltip) and its health as a dot and a word; a bar from start to end in the health's
    colour; milestones as diamonds, filled when done and hollow when not, each with its own
    tooltip; and, when the action is overdue, a warning triangle with the word. Rows without
    dates say so. Month gridlines thin out to quarters, half-years or years when the timeline
    is long, and month names follow the current language (babel)."""
    title = title or _("Timeline of actions and milestones")
    locale = babel_locale()
    if end < start:
        start, end = end, start
    days = (end - start).days + 1
    plot_width = PLOT_RIGHT - PLOT_LEFT
    day_width = plot_width / days

    def x_of(day: date) -> float:
        offset = min(max((day - start).days, 0), days)
        return PLOT_LEFT + offset * day_width

    def when(day: date) -> str:
        return format_date(day, "medium", locale=locale)

    height = HEADER + ROW_HEIGHT * max(len(rows), 1) + 56
    rows_bottom = HEADER + ROW_HEIGHT * max(len(rows), 1)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="waymark-timeline" role="img" font-family="{_attr(FONT_FAMILY)}" '
        f'font-size="12" fill="{INK}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_timeline_desc(rows, title, start, end, today, when))}</desc>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{CODE_X}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]

    if not rows:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{HEADER + 16}" text-anchor="middle" font-size="18" '
            f'fill="{SUBTLE}">{escape(_("No data yet"))}</text></svg>'
        )
        return "".join(out)

    # Every other row shaded, under the gridlines.
    out.append('<g class="stripes" fill="#f4f6f8">')
    out.extend(
        f'<rect x="0" y="{HEADER + index * ROW_HEIGHT}" width="{WIDTH}" height="{ROW_HEIGHT}"/>'
        for index in range(1, len(rows), 2)
    )
    out.append("</g>")

    # Month gridlines and labels: every month, or fewer when the labels would collide.
    months = _months(start, end)
    widest = max(len(format_date(date(2000, m, 1), "LLL", locale=locale)) for m in range(1, 13))
    month_px = plot_width * 30.44 / days
    step = next((s for s in MONTH_STEPS if s * month_px >= widest * 6.5 + 8), MONTH_STEPS[-1])
    grid = [m for m in months if (m.year * 12 + m.month - 1) % step == 0]
    out.append('<g class="grid" stroke="#d9dee3" stroke-width="1">')
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{HEADER - 12}" x2="{PLOT_LEFT}" y2="{rows_bottom}"/>'
        f'<line x1="{PLOT_RIGHT}" y1="{HEADER - 12}" x2="{PLOT_RIGHT}" y2="{rows_bottom}"/>'
    )
    for month in grid:
        x = x_of(month)
        out.append(f'<line x1="{x:.1f}" y1="{HEADER - 12}" x2="{x:.1f}" y2="{rows_bottom}"/>')
    out.append("</g>")
    out.append(f'<g class="months" font-size="11" fill="{SUBTLE}">')
    year_at = [] if grid and grid[0] == start else [(float(PLOT_LEFT), start.year)]
    for month in grid:
        x = x_of(month)
        if step < 12:
            label = format_date(month, "LLL", locale=locale)
            if x + 3 + len(label) * 6.5 <= PLOT_RIGHT + 10:
                out.append(f'<text x="{x + 3:.1f}" y="{HEADER - 16}">{escape(label)}</text>')
        if month.month == 1:
            year_at.append((x, month.year))
    last_year_x = -100.0
    for x, year in year_at:
        if x - last_year_x >= 40 and x + 30 <= PLOT_RIGHT + 10:
            y = HEADER - 30 if step < 12 else HEADER - 16
            out.append(f'<text x="{x + 3:.1f}" y="{y}" font-weight="bold">{year}</text>')
            last_year_x = x
    out.append("</g>")

    # The rows.
    done_word, not_done_word, overdue_word = _("Done"), _("Not done"), _("Overdue")
    out.append('<g class="rows">')
    for index, row in enumerate(rows):
        top = HEADER + index * ROW_HEIGHT
        mid = top + ROW_HEIGHT / 2
        base = mid + 4
        colour = _attr(row.colour or SUBTLE)
        dates = _dates_text(row, when)
        tooltip = " · ".join(
            part
            for part in (
                f"{row.code} {row.title}".strip(),
                row.health_label,
                row.state,
                dates,
                overdue_word if row.overdue else "",
            )
            if part
        )
        out.append(f'<g class="row"><title>{escape(tooltip)}</title>')
        out.append(
            f'<text x="{CODE_X}" y="{base:.1f}" font-weight="bold">{escape(_truncate(row.code, 9))}</text>'
            f'<text x="{TITLE_X}" y="{base:.1f}">{escape(_truncate(row.title, TITLE_CHARS))}</text>'
            f'<circle cx="{HEALTH_X}" cy="{mid:.1f}" r="4.5" fill="{colour}"/>'
            f'<text x="{HEALTH_X + 9}" y="{base:.1f}" font-size="11">'
            f"{escape(_truncate(row.health_label, HEALTH_CHARS))}</text>"
        )
        first, last = row.start or row.end, row.end or row.start
        if first is None or last is None:
            out.append(
                f'<text x="{PLOT_LEFT + 6}" y="{base:.1f}" font-style="italic" '
                f'fill="{SUBTLE}">{escape(_("no dates"))}</text>'
            )
            bar_left = bar_right = float(PLOT_LEFT + 6 + 7 * len(_("no dates")))
        else:
            if last < first:
                first, last = last, first
            bar_left, bar_right = x_of(first), x_of(last + timedelta(days=1))
            if bar_right - bar_left < 3:  # a one-day action, or one outside the timeline
                bar_left = min(bar_left, PLOT_RIGHT - 3)
                bar_right = bar_left + 3
            out.append(
                f'<rect class="bar" x="{bar_left:.1f}" y="{mid - BAR_HEIGHT / 2:.1f}" '
                f'width="{bar_right - bar_left:.1f}" height="{BAR_HEIGHT}" rx="2" '
                f'fill="{colour}" data-start="{first.isoformat()}" '
                f'data-end="{last.isoformat()}"/>'
            )
        if row.overdue:
            out.append(_overdue_marker(bar_left, bar_right, mid, overdue_word))
        for day, name, done in row.milestones:
            if not start <= day <= end:
                continue
            cx = x_of(day) + day_width / 2
            state = done_word if done else not_done_word
            fill = INK if done else "white"
            out.append(
                f'<path class="milestone {"done" if done else "open"}" '
                f'd="{_diamond(cx, mid, 6)}" fill="{fill}" stroke="{INK}" stroke-width="1.5">'
                f"<title>{escape(f'{name} · {when(day)} · {state}')}</title></path>"
            )
        out.append("</g>")
    out.append("</g>")

    # Today's line, labelled with the date at the top and the bottom.
    if start <= today <= end:
        x = x_of(today) + day_width / 2
        label = escape(f"{_('Today')} · {when(today)}")
        anchor = "middle"
        if x - PLOT_LEFT < 80:
            anchor = "start"
        elif PLOT_RIGHT - x < 80:
            anchor = "end"
        out.append(
            f'<g class="today"><title>{label}</title>'
            f'<line x1="{x:.1f}" y1="{HEADER - 56}" x2="{x:.1f}" y2="{rows_bottom + 6}" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="5,4"/>'
            f'<text x="{x:.1f}" y="{HEADER - 44}" text-anchor="{anchor}" font-size="11" '
            f'font-weight="bold">{label}</text>'
        )
        if len(rows) > 20:
            out.append(
                f'<text x="{x:.1f}" y="{rows_bottom + 18}" text-anchor="{anchor}" '
                f'font-size="11" font-weight="bold">{label}</text>'
            )
        out.append("</g>")

    out.append(_legend(rows_bottom + 38, today, start, end, when))
    out.append("</svg>")
    return "".join(out)


def _dates_text(row: TimelineRow, when: Callable[[date], str]) -> str:
    if row.start and row.end:
        return f"{when(row.start)} \u2013 {when(row.end)}"
    if row.start:
        return f"{when(row.start)} \u2013"
    if row.end:
        return f"\u2013 {when(row.end)}"
    return _("no dates")


def _overdue_marker(bar_left: float, bar_right: float, mid: float, word: str) -> str:
    """A warning triangle and the word, after the bar, before it, or at the right edge."""
    need = 18 + 6.3 * len(word)
    if bar_right + 6 + need <= PLOT_RIGHT:
        x = bar_right + 6
    elif bar_left - 6 - need >= PLOT_LEFT:
        x = bar_left - 6 - need
    else:
        x = PLOT_RIGHT - need
    return (
        f'<g class="overdue" fill="{OVERDUE}">'
        f'<rect x="{x - 2:.1f}" y="{mid - 8:.1f}" width="{need + 2:.1f}" height="16" fill="white" '
        f'fill-opacity="0.85"/>'
        f'<path d="{_warning(x, mid)}"/>'
        f'<text x="{x + 16:.1f}" y="{mid + 4:.1f}" font-size="11" font-weight="bold">'
        f"{escape(word)}</text></g>"
    )


def _legend(y: float, today: date, start: date, end: date, when: Callable[[date], str]) -> str:
    items = [
        (f'<path d="{_diamond(6, -4, 6)}" fill="{INK}" stroke="{INK}" stroke-width="1.5"/>'),
        (f'<path d="{_diamond(6, -4, 6)}" fill="white" stroke="{INK}" stroke-width="1.5"/>'),
        f'<path d="{_warning(0, -4)}" fill="{OVERDUE}"/>',
        f'<line x1="6" y1="-14" x2="6" y2="6" stroke="{INK}" stroke-width="1.5" '
        f'stroke-dasharray="5,4"/>',
    ]
    today_note = (
        _("Today")
        if start <= today <= end
        else _("Today: %(date)s (outside the timeline)") % {"date": when(today)}
    )
    words = [
        f"{_('Milestone')}: {_('Done')}",
        f"{_('Milestone')}: {_('Not done')}",
        _("Overdue"),
        today_note,
    ]
    out = [f'<g class="legend" font-size="11" transform="translate({CODE_X} {y:.0f})">']
    x = 0.0
    for shape, word in zip(items, words, strict=True):
        out.append(
            f'<g transform="translate({x:.0f} 0)">{shape}'
            f'<text x="18" y="0">{escape(word)}</text></g>'
        )
        x += 36 + 6.5 * len(word)
    out.append("</g>")
    return "".join(out)


def _timeline_desc(
    rows: Sequence[TimelineRow],
    title: str,
    start: date,
    end: date,
    today: date,
    when: Callable[[date], str],
) -> str:
    if not rows:
        return f"{title}: {_('No data yet')}."
    milestones = [m for row in rows for m in row.milestones]
    overdue = [row.code for row in rows if row.overdue]
    undated = sum(1 for row in rows if row.start is None and row.end is None)
    text = ngettext(
        "%(actions)s action from %(start)s to %(end)s; today is %(today)s. "
        "Milestones: %(done)s of %(milestones)s done.",
        "%(actions)s actions from %(start)s to %(end)s; today is %(today)s. "
        "Milestones: %(done)s of %(milestones)s done.",
        len(rows),
    ) % {
        "actions": len(rows),
        "start": when(start),
        "end": when(end),
        "today": when(today),
        "done": sum(1 for m in milestones if m[2]),
        "milestones": len(milestones),
    }
    if overdue:
        shown = ", ".join(overdue[:20]) + (" …" if len(overdue) > 20 else "")
        text += " " + _("Overdue: %(count)s (%(codes)s).") % {
            "count": len(overdue),
            "codes": shown,
        }
    if undated:
        text += " " + _("Without dates: %(count)s.") % {"count": undated}
    return f"{title}. {text}"
