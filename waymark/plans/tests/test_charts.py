"""The plan dashboard's SVG charts: well-formed, described in words, drawn in proportion, and
no script. They take plain data, so none of these tests touches the database."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pygal
import pytest
from django.utils import translation

from waymark.plans.charts import (
    PLOT_LEFT,
    PLOT_RIGHT,
    TimelineRow,
    budget_chart,
    health_chart,
    render,
    timeline,
)

D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"
HEALTH = [
    ("on_track", "On track", "#1a7f37", 12),
    ("at_risk", "At risk", "#b35900", 5),
    ("off_track", "Off track", "#c62828", 3),
    ("not_assessed", "Not assessed", "#6b7280", 0),
]


def parse(svg: str) -> ET.Element:
    """The chart as XML (it must be well-formed), after the checks every chart must pass."""
    root = ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    for tag in ("title", "desc"):  # the text alternative, first among the root's children
        element = root.find(f"{SVG}{tag}")
        assert element is not None and (element.text or "").strip()
    assert root.find(f".//{SVG}script") is None
    assert "<script" not in svg and "<!--" not in svg
    assert "http://" not in svg.replace("http://www.w3.org/", "")  # nothing loaded from elsewhere
    assert "https://" not in svg
    return root


def words(root: ET.Element) -> str:
    """Everything a reader can see or hear: the visible text, the title and the desc."""
    return " ".join(" ".join(root.itertext()).split())


def desc(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]


def row(code: str = "1.1.1", **fields: object) -> TimelineRow:
    values: dict[str, object] = {
        "code": code,
        "title": "Build twelve schools",
        "start": D(2025, 1, 1),
        "end": D(2025, 6, 30),
        "state": "In progress",
        "health_label": "On track",
        "colour": "#1a7f37",
        "overdue": False,
        "milestones": [],
    }
    values.update(fields)
    return TimelineRow(**values)  # type: ignore[arg-type]


TODAY = D(2025, 5, 14)


def year_2025(rows: list[TimelineRow], today: datetime.date = TODAY) -> ET.Element:
    return parse(timeline(rows, start=D(2025, 1, 1), end=D(2025, 12, 31), today=today))


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


# --- render ------------------------------------------------------------------------------------


def test_it_renders_a_pygal_chart_without_script_comments_or_xml_declaration() -> None:
    chart = pygal.Bar(title="Spend")
    chart.add("Spent", [1, 2])

    svg = render(chart, desc="Spend by month: 1, then 2.")

    assert svg.startswith("<svg")
    root = parse(svg)
    assert desc(root) == "Spend by month: 1, then 2."
    assert root.find(f"{SVG}title").text == "Spend"  # type: ignore[union-attr]


def test_it_escapes_the_description() -> None:
    chart = pygal.Bar(title="A & B")
    chart.add("x", [1])

    root = parse(render(chart, desc="<b> & 'c'"))

    assert desc(root) == "<b> & 'c'"


# --- budget ------------------------------------------------------------------------------------


def test_it_draws_planned_against_spent_with_words_and_amounts() -> None:
    root = parse(
        budget_chart(
            [
                ("1. Education", Decimal("1500000"), Decimal("750000")),
                ("2. Roads", Decimal("800000"), None),
            ],
            currency="MNT",
        )
    )

    text = words(root)
    assert "Planned" in text and "Spent" in text
    assert "Planned: ₮1,500,000" in text
    assert "Spent: ₮750,000 (50%)" in text
    assert "Planned: ₮800,000" in text
    assert "1. Education" in text and "2. Roads" in text
    assert "1. Education: Planned ₮1,500,000, Spent ₮750,000 (50%)." in desc(root)
    assert "2. Roads: Planned ₮800,000, Spent —." in desc(root)


def test_it_draws_budget_bars_in_proportion_with_the_first_goal_on_top() -> None:
    root = parse(
        budget_chart(
            [("First", Decimal("1000"), Decimal("250")), ("Second", Decimal("500"), None)],
            currency="USD",
        )
    )

    drawn = [
        rect
        for rect in root.iter(f"{SVG}rect")
        if "tooltip-trigger" in (rect.get("class") or "") and float(rect.get("width") or 0) > 0
    ]
    by_width = sorted(drawn, key=lambda rect: float(rect.get("width") or 0))
    spent, second, first = (float(rect.get("width") or 0) for rect in by_width)
    assert first == pytest.approx(2 * second, rel=0.01)
    assert first == pytest.approx(4 * spent, rel=0.01)
    # The first goal's bar is above (a smaller y than) the second's.
    y = {float(rect.get("width") or 0): float(rect.get("y") or 0) for rect in drawn}
    assert y[first] < y[second]


def test_it_keeps_cyrillic_goal_names_in_the_budget_chart() -> None:
    root = parse(budget_chart([("Боловсрол", Decimal("10"), Decimal("5"))], currency="MNT"))

    assert "Боловсрол" in words(root)


def test_it_shows_no_data_for_an_empty_budget() -> None:
    for rows in ([], [("1. Education", None, None)]):
        root = parse(budget_chart(rows, currency="MNT"))

        assert "No data" in words(root)


def test_it_translates_the_budget_words() -> None:
    with translation.override("mn"):
        root = parse(budget_chart([("Боловсрол", Decimal("10"), Decimal("5"))], currency="MNT"))

    assert "Зарцуулсан" in words(root)  # "Spent"


# --- health ------------------------------------------------------------------------------------


def test_it_labels_each_health_with_its_word_and_count() -> None:
    svg = health_chart(HEALTH)
    root = parse(svg)

    text = words(root)
    for label in ("On track: 12", "At risk: 5", "Off track: 3", "Not assessed: 0"):
        assert label in text
    assert "On track: 12 (60%)" in desc(root)
    assert "Off track: 3 (15%)" in desc(root)
    for _key, _label, colour, _count in HEALTH:
        assert colour in svg.lower()  # the organisation's colours


def test_it_draws_health_segments_in_proportion() -> None:
    root = parse(health_chart(HEALTH))

    segments = [
        float(rect.get("width") or 0)
        for rect in root.iter(f"{SVG}rect")
        if "tooltip-trigger" in (rect.get("class") or "") and float(rect.get("width") or 0) > 0
    ]
    on_track, at_risk, off_track = segments
    assert on_track == pytest.approx(4 * off_track, rel=0.01)
    assert at_risk == pytest.approx(5 / 3 * off_track, rel=0.01)


def test_it_keeps_an_organisations_own_health_words() -> None:
    root = parse(health_chart([("a", "Хэвийн", "#2e7d32", 4), ("b", "Some delay", "#fdd835", 1)]))

    assert "Хэвийн: 4" in words(root)
    assert "Some delay: 1" in words(root)


def test_it_shows_no_data_when_nothing_is_counted() -> None:
    for counts in ([], [("on_track", "On track", "#1a7f37", 0)]):
        root = parse(health_chart(counts))

        assert "No data" in words(root)


# --- timeline ----------------------------------------------------------------------------------


def test_it_draws_a_half_year_action_across_half_of_a_year() -> None:
    root = year_2025([row(start=D(2025, 1, 1), end=D(2025, 6, 30))])

    (bar,) = bars(root)
    plot = PLOT_RIGHT - PLOT_LEFT
    assert float(bar.get("x") or 0) == pytest.approx(PLOT_LEFT, abs=0.1)
    assert float(bar.get("width") or 0) == pytest.approx(plot * 181 / 365, abs=0.2)
    assert float(bar.get("width") or 0) / plot == pytest.approx(0.5, abs=0.01)
    assert bar.get("fill") == "#1a7f37"


def test_it_places_a_later_action_from_its_start() -> None:
    root = year_2025([row(start=D(2025, 7, 1), end=D(2025, 12, 31))])

    (bar,) = bars(root)
    plot = PLOT_RIGHT - PLOT_LEFT
    assert float(bar.get("x") or 0) == pytest.approx(PLOT_LEFT + plot * 181 / 365, abs=0.2)
    assert float(bar.get("x") or 0) + float(bar.get("width") or 0) == pytest.approx(
        PLOT_RIGHT, abs=0.2
    )


def test_it_clips_an_action_that_runs_past_the_timeline() -> None:
    root = year_2025([row(start=D(2024, 10, 1), end=D(2026, 3, 31))])

    (bar,) = bars(root)
    assert float(bar.get("x") or 0) == pytest.approx(PLOT_LEFT, abs=0.1)
    assert float(bar.get("x") or 0) + float(bar.get("width") or 0) == pytest.approx(
        PLOT_RIGHT, abs=0.2
    )


def test_it_shows_code_title_and_health_in_words() -> None:
    root = year_2025([row(health_label="At risk", colour="#b35900")])

    text = words(root)
    assert "1.1.1" in text and "Build twelve schools" in text and "At risk" in text


def test_it_truncates_long_titles_but_keeps_the_whole_one_in_the_tooltip() -> None:
    long_title = "Build and equip twelve new schools in the soums of Dornod aimag by 2026"
    root = year_2025([row(title=long_title)])

    visible = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert long_title not in visible
    assert any(t.startswith("Build and equip") and t.endswith("…") for t in visible)
    assert any(long_title in (t.text or "") for t in root.iter(f"{SVG}title"))


def test_it_marks_an_overdue_action_with_a_shape_and_the_word() -> None:
    root = year_2025(
        [row("1.1.1"), row("1.1.2", end=D(2025, 3, 31), overdue=True)],
        today=D(2025, 5, 14),
    )

    markers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "overdue"]
    assert len(markers) == 1
    assert markers[0].find(f"{SVG}path") is not None
    assert "Overdue" in words(markers[0])
    assert "Overdue: 1 (1.1.2)" in desc(root)


def test_it_draws_milestones_filled_when_done_and_hollow_when_not() -> None:
    root = year_2025(
        [
            row(
                milestones=[
                    (D(2025, 3, 15), "Design approved", True),
                    (D(2025, 6, 1), "Roof on", False),
                    (D(2026, 2, 1), "Outside the timeline", False),
                ]
            )
        ]
    )

    diamonds = {
        (path.find(f"{SVG}title").text or "").split(" · ")[0]: path  # type: ignore[union-attr]
        for path in root.iter(f"{SVG}path")
        if "milestone" in (path.get("class") or "")
    }
    assert set(diamonds) == {"Design approved", "Roof on"}
    assert diamonds["Design approved"].get("fill") != "white"
    assert diamonds["Roof on"].get("fill") == "white"
    assert "Done" in (diamonds["Design approved"].find(f"{SVG}title").text or "")  # type: ignore[union-attr]
    assert "Not done" in (diamonds["Roof on"].find(f"{SVG}title").text or "")  # type: ignore[union-attr]
    assert "Milestones: 1 of 3 done." in desc(root)


def test_it_draws_todays_line_dashed_and_labelled_with_the_date() -> None:
    root = year_2025([row()], today=D(2025, 5, 14))

    (today,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "today"]
    line = today.find(f"{SVG}line")
    assert line is not None and line.get("stroke-dasharray")
    assert "Today · May 14, 2025" in words(today)
    plot = PLOT_RIGHT - PLOT_LEFT
    assert float(line.get("x1") or 0) == pytest.approx(PLOT_LEFT + plot * 133.5 / 365, abs=0.2)


def test_it_says_when_today_is_outside_the_timeline() -> None:
    root = year_2025([row()], today=D(2026, 2, 1))

    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "today"]
    assert "outside the timeline" in words(root)


def test_it_draws_month_gridlines_and_labels() -> None:
    root = year_2025([row()])

    months = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "months")
    labels = [t.text for t in months.iter(f"{SVG}text")]
    assert labels == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "2025",
    ]
    grid = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "grid")
    assert len(grid.findall(f"{SVG}line")) == 2 + 12  # the plot's edges and every month


def test_it_thins_month_labels_on_a_long_timeline() -> None:
    root = parse(timeline([row()], start=D(2021, 1, 1), end=D(2030, 12, 31), today=D(2025, 5, 14)))

    months = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "months")
    labels = [t.text or "" for t in months.iter(f"{SVG}text")]
    assert "2021" in labels and "2030" in labels
    assert len(labels) <= 20


def test_it_writes_month_names_in_the_readers_language() -> None:
    with translation.override("mn"):
        root = year_2025([row(title="Эмнэлгийн барилга", health_label="Хэвийн")])

    text = words(root)
    assert "1-р сар" in text  # noqa: RUF001 (January)
    assert "Эмнэлгийн барилга" in text and "Хэвийн" in text


def test_it_notes_rows_without_dates() -> None:
    root = year_2025([row("1.1.1"), row("2.1.1", start=None, end=None)])

    assert len(bars(root)) == 1
    assert "no dates" in words(root)
    assert "Without dates: 1." in desc(root)


def test_it_escapes_text() -> None:
    root = year_2025([row(code="<1>", title='Roads & "bridges" <fast>', health_label="A&B")])

    text = words(root)
    assert "<1>" in text and 'Roads & "bridges" <fast>' in text and "A&B" in text


def test_it_grows_with_the_rows_and_renders_300_of_them() -> None:
    rows = [
        row(
            f"{i // 100 + 1}.{i // 10 % 10 + 1}.{i % 10 + 1}",
            title=f"Action {i}",
            start=D(2025, 1 + i % 6, 1),
            end=D(2025, 7 + i % 6, 28),
            overdue=i % 7 == 0,
            milestones=[(D(2025, 3 + i % 6, 15), f"Checkpoint {i}", i % 2 == 0)],
        )
        for i in range(300)
    ]

    small = year_2025(rows[:3])
    big = year_2025(rows)

    height = lambda root: float((root.get("viewBox") or "").split()[3])  # noqa: E731
    assert height(big) > height(small) + 280 * 20
    assert len(bars(big)) == 300
    assert "Checkpoint 299" in words(big)
    assert "300 actions" in desc(big)


def test_it_shows_no_data_for_an_empty_timeline() -> None:
    root = year_2025([])

    assert "No data" in words(root)
