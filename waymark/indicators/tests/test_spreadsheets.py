"""Indicator spreadsheets, read back with openpyxl: the IPTT workbook, and the data-entry
template's round trip (download, fill, upload, save all or nothing)."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from waymark.core.models import Change
from waymark.core.testing import Cast
from waymark.indicators.iptt import iptt
from waymark.indicators.models import Indicator, Measurement, Period
from waymark.indicators.selectors import data_owed_by
from waymark.indicators.services import BatchError, measurements_save_batch
from waymark.indicators.spreadsheets import (
    COLUMNS,
    FIELDS,
    SpreadsheetError,
    describe_errors,
    iptt_workbook,
    read_template,
    template_workbook,
)
from waymark.indicators.tests.scenarios import (
    CYRILLIC_PLAN,
    CYRILLIC_TITLE,
    approved,
    entered,
    last_year_plan,
    make_indicator,
    period_on,
    running_plan,
)

FIRST_ROW = 5


# -- the IPTT ----------------------------------------------------------------------------------
def test_it_writes_the_iptt_with_headers_and_numbers(cast: Cast) -> None:
    scenario = last_year_plan(cast)
    y = scenario.year
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="quarterly")
    content = iptt_workbook(table, title=f"IPTT: {CYRILLIC_PLAN}")

    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    assert sheet.title == "IPTT"
    assert sheet["A1"].value == f"IPTT: {CYRILLIC_PLAN}"
    block = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(2, 7)
    }
    assert block["Plan"] == CYRILLIC_PLAN
    assert block["Periods"] == "Quarterly (all)"
    assert (block["Unit"], block["Element"]) == ("all", "all")
    assert block["Generated at"].startswith(f"{timezone.localdate():%Y-%m-%d}")

    groups = [c.value for c in sheet[8]]
    subs = [c.value for c in sheet[9]]
    assert groups[:6] == [
        "Code",
        "Indicator",
        "Elements",
        "Unit of measure",
        "Baseline",
        "Life of plan",
    ]
    assert groups[5::3] == ["Life of plan", f"{y}-Q1", f"{y}-Q2", f"{y}-Q3", f"{y}-Q4"]
    assert subs[5:11] == ["Target", "Actual", "% met", "Target", "Actual", "% met"]
    assert len(subs) == 5 + 3 * 5
    assert "F8:H8" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "C10"

    rows = {sheet.cell(row=r, column=1).value: [c.value for c in sheet[r]] for r in range(10, 14)}
    assert list(rows) == ["1.a", "1.b", "1.c", "2.a"]
    # Code, title, elements, unit, baseline, life of plan (target, actual, % met), Q1..Q4.
    assert rows["1.a"] == [
        "1.a", "Open-door days held", "1.1.1", "days", 5,
        120, 36, pytest.approx(0.3),
        30, 30, pytest.approx(1.0),
        30, 6, pytest.approx(0.2),
        None, None, None,
        None, None, None,
    ]  # fmt: skip
    share = rows["1.b"]
    assert share[1] == CYRILLIC_TITLE
    assert share[4] == pytest.approx(0.4)  # percentages as fractions with a % format
    assert share[8:11] == [pytest.approx(0.75), pytest.approx(0.5), pytest.approx(2 / 3)]
    assert rows["2.a"][17:20] == [3, 2, pytest.approx(2 / 3)]
    assert sheet["E11"].number_format == "0%"
    assert sheet["J11"].number_format == "0%"
    assert sheet["K10"].number_format == "0%"
    assert sheet["I10"].number_format == "#,##0"

    # openpyxl's streaming reader sees the same cells.
    streamed = load_workbook(io.BytesIO(content), read_only=True)
    (first,) = streamed.active.iter_rows(min_row=10, max_row=10, values_only=True)
    assert first[:5] == ("1.a", "Open-door days held", "1.1.1", "days", 5)


def test_it_writes_the_filters_into_the_iptt_header(cast: Cast) -> None:
    scenario = last_year_plan(cast)
    y = scenario.year
    table = iptt(
        person=cast.viewer,
        plan=scenario.plan,
        frequency="monthly",
        unit=cast.dept,
        element=scenario.objective,
        start=datetime.date(y, 2, 1),
        end=datetime.date(y, 3, 31),
    )
    sheet = load_workbook(io.BytesIO(iptt_workbook(table, title="IPTT"))).active
    assert sheet["B3"].value == f"Monthly ({y}-02-01 \u2013 {y}-03-31)"
    assert sheet["B4"].value == "Department of Administration"
    assert sheet["B5"].value == "1.1 Capable public servants"
    assert [c.value for c in sheet[8]][8::3] == [f"{y}-02", f"{y}-03"]
    assert [sheet.cell(row=r, column=1).value for r in (10, 11, 12)] == ["1.a", "1.b", None]


# -- the template ------------------------------------------------------------------------------
@dataclass
class Owed:
    days: Indicator  # 1.a number, the department's
    share: Indicator  # 1.b percentage, the department's
    audits: Indicator  # 2.a number, the Finance Department's
    quarter: Period  # the open quarter

    def key(self, indicator: Indicator, unit: Any) -> str:
        return f"{indicator.pk}-{period_on(indicator, timezone.localdate()).pk}-{unit.pk}"


@pytest.fixture
def owed(cast: Cast) -> Owed:
    plan = running_plan(cast)
    days = make_indicator(
        cast,
        plan,
        "1.a",
        title="Open-door days held",
        unit_of_measure="days",
        frequency="quarterly",
    )
    share = make_indicator(
        cast, plan, "1.b", title=CYRILLIC_TITLE, measure_type="percentage", frequency="quarterly"
    )
    audits = make_indicator(
        cast,
        plan,
        "2.a",
        title="Budget audits",
        frequency="quarterly",
        reporting_units=[cast.other],
    )
    return Owed(days, share, audits, period_on(days, timezone.localdate()))


def download(person: Any) -> bytes:
    return template_workbook(data_owed_by(person), person_name=person.name)


def row_of(content: bytes) -> dict[str, int]:
    """Each key's row number in the template."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return {
        sheet.cell(row=r, column=1).value: r
        for r in range(FIRST_ROW, sheet.max_row + 1)
        if sheet.cell(row=r, column=1).value
    }


def fill(content: bytes, values: dict[int, dict[str, Any]]) -> bytes:
    """The workbook with cells filled in, by row number and field name."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for row, cells in values.items():
        for name, value in cells.items():
            sheet[f"{COLUMNS[name]}{row}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "my-data.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_it_prefills_a_template_of_what_a_person_owes(cast: Cast, owed: Owed) -> None:
    previous = period_on(owed.days, owed.quarter.start - datetime.timedelta(days=1))
    approved(cast, owed.days, previous, {"value": "9"})
    entered(cast, owed.share, owed.quarter, {"value": "4", "denominator": "10", "comment": "Draft"})
    content = download(cast.contributor)
    rows = row_of(content)
    assert owed.key(owed.audits, cast.other) not in rows  # the Finance Department's
    days_row, share_row = (
        rows[owed.key(owed.days, cast.dept)],
        rows[owed.key(owed.share, cast.dept)],
    )

    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == FIELDS
    assert sheet.row_dimensions[1].hidden
    assert sheet["B2"].value == "Data owed by Contributor"
    assert sheet[f"K{4}"].value == "Value (numerator for percentages)"
    assert [sheet.cell(row=days_row, column=c).value for c in range(2, 11)] == [
        "Action plan, running now",
        "1.a",
        "Open-door days held",
        "GAD",
        owed.quarter.label,
        "Number",
        "days",
        9,  # the previous quarter's value
        "New",
    ]
    # The draft is filled in; a percentage shows its numerator and denominator.
    draft = [sheet.cell(row=share_row, column=c).value for c in range(4, 15)]
    assert draft[0] == CYRILLIC_TITLE
    assert draft[3:] == ["Percentage", "%", None, "Draft", 4, 10, None, "Draft"]
    # The fill-in columns stand out; the others do not.
    assert sheet[f"K{days_row}"].fill.fgColor.rgb.endswith("FFF2CC")
    assert sheet[f"N{days_row}"].fill.fgColor.rgb.endswith("FFF2CC")
    assert sheet[f"D{days_row}"].fill.fill_type is None
    assert sheet.freeze_panes == "E5"

    help_sheet = book["Help"]
    assert help_sheet["A1"].value == "How to fill in this template"
    texts = [c.value for c in help_sheet["A"] if c.value]
    assert "K: Value (numerator for percentages)" in texts


def test_it_saves_a_filled_template_as_drafts(cast: Cast, owed: Owed) -> None:
    content = download(cast.contributor)
    rows = row_of(content)
    days_row, share_row = (
        rows[owed.key(owed.days, cast.dept)],
        rows[owed.key(owed.share, cast.dept)],
    )
    today = timezone.localdate()
    filled = fill(
        content,
        {
            days_row: {"value": 12, "date_collected": today, "comment": "Counted at the soums"},
            share_row: {"value": "12", "denominator": 20.0, "date_collected": f"{today:%Y-%m-%d}"},
        },
    )

    entries = read_template(upload(filled), person=cast.contributor)
    assert [e.key for e in entries] == [f"row {days_row}", f"row {share_row}"]

    saved = measurements_save_batch(actor=cast.contributor, entries=entries)
    days, share = sorted(saved, key=lambda m: m.indicator.code)
    assert (days.status, days.value, days.date_collected) == ("draft", Decimal(12), today)
    assert days.comment == "Counted at the soums"
    assert (share.value, share.denominator, share.amount) == (Decimal(12), Decimal(20), Decimal(60))
    assert share.unit == cast.dept and share.period == owed.quarter

    # The next template holds the drafts, ready to correct and submit.
    again = download(cast.contributor)
    sheet = load_workbook(io.BytesIO(again)).worksheets[0]
    assert sheet[f"K{days_row}"].value == 12
    assert sheet[f"M{days_row}"].value.date() == today
    assert sheet[f"J{days_row}"].value == "Draft"


def test_it_submits_a_filled_template_when_asked(cast: Cast, owed: Owed) -> None:
    content = download(cast.contributor)
    days_row = row_of(content)[owed.key(owed.days, cast.dept)]
    filled = fill(content, {days_row: {"value": "1,250.5"}})
    entries = read_template(filled, person=cast.contributor)
    (saved,) = measurements_save_batch(actor=cast.contributor, entries=entries, submit=True)
    assert (saved.status, saved.value, saved.submitted_by) == (
        "submitted",
        Decimal("1250.5"),
        cast.contributor,
    )
    assert owed.key(owed.days, cast.dept) not in row_of(download(cast.contributor))


@pytest.mark.parametrize(
    ("bad", "field", "column", "message"),
    [
        ({"value": "twelve"}, "value", "K (Value)", "Enter a number, e.g. 1250 or 1,250.5."),
        (
            {"value": 25, "denominator": 20},
            "value",
            "K (Value)",
            "The numerator (25) cannot be larger than the denominator (20).",
        ),
        (
            {"value": 3, "date_collected": timezone.localdate() + datetime.timedelta(days=2)},
            "date_collected",
            "M (Date collected)",
            "The date collected cannot be in the future.",
        ),
    ],
)
def test_it_saves_nothing_when_a_row_is_wrong(
    cast: Cast, owed: Owed, bad: dict[str, Any], field: str, column: str, message: str
) -> None:
    content = download(cast.contributor)
    rows = row_of(content)
    days_row, share_row = (
        rows[owed.key(owed.days, cast.dept)],
        rows[owed.key(owed.share, cast.dept)],
    )
    if "denominator" in bad:  # the percentage is wrong, the number right
        good_row, bad_row, good = days_row, share_row, {"value": 7}
    else:
        good_row, bad_row, good = share_row, days_row, {"value": 7, "denominator": 10}
    filled = fill(content, {good_row: good, bad_row: bad})
    before = (Measurement.all_objects.count(), Change.objects.count())

    entries = read_template(upload(filled), person=cast.contributor)
    with pytest.raises(BatchError) as caught:
        measurements_save_batch(actor=cast.contributor, entries=entries, submit=True)
    assert caught.value.errors == {f"row {bad_row}": {field: [message]}}
    assert describe_errors(caught.value.errors) == [f"Row {bad_row}, column {column}: {message}"]
    assert (Measurement.all_objects.count(), Change.objects.count()) == before


def test_it_refuses_a_key_of_another_units_indicator(cast: Cast, owed: Owed) -> None:
    theirs = owed.key(owed.audits, cast.other)
    assert theirs in row_of(download(cast.outsider))  # owed by the Finance Department
    content = download(cast.contributor)
    extra = max(row_of(content).values()) + 1
    filled = fill(content, {extra: {"key": theirs, "value": 5}})

    with pytest.raises(SpreadsheetError) as caught:
        read_template(upload(filled), person=cast.contributor)
    assert list(caught.value.errors) == [f"row {extra}"]
    assert list(caught.value.errors[f"row {extra}"]) == ["key"]
    (sentence,) = describe_errors(caught.value.errors)
    assert sentence.startswith(f"Row {extra}, column A (Key): You cannot enter this value now")
    assert not Measurement.objects.exists()
    # The outsider's own upload of the same row is taken.
    (entry,) = read_template(upload(filled), person=cast.outsider)
    assert (entry.indicator, entry.unit, entry.key) == (owed.audits, cast.other, f"row {extra}")


def test_it_refuses_changed_repeated_and_unparsable_rows(cast: Cast, owed: Owed) -> None:
    content = download(cast.contributor)
    rows = row_of(content)
    days_row, share_row = (
        rows[owed.key(owed.days, cast.dept)],
        rows[owed.key(owed.share, cast.dept)],
    )
    extra = max(rows.values()) + 1
    filled = fill(
        content,
        {
            days_row: {"value": 3, "date_collected": "sometime in March", "denominator": 4},
            share_row: {"key": "1-2-3; drop table", "value": 1, "denominator": 2},
            extra: {"key": owed.key(owed.days, cast.dept), "value": 4},
            extra + 1: {"value": 5},
        },
    )
    with pytest.raises(SpreadsheetError) as caught:
        read_template(upload(filled), person=cast.contributor)
    errors = caught.value.errors
    assert set(errors[f"row {days_row}"]) == {"date_collected", "denominator"}
    assert errors[f"row {days_row}"]["date_collected"] == ["Enter a date such as 2025-03-31."]
    assert errors[f"row {share_row}"]["key"][0].startswith(
        "The key “1-2-3; drop table” was changed"
    )
    assert errors[f"row {extra}"]["key"] == [
        f"The same value is also in row {days_row}; keep one of the two rows."
    ]
    assert errors[f"row {extra + 1}"]["key"] == ["The row has no key; download a new template."]
    sentences = describe_errors(errors)
    assert (
        sentences[0]
        == f"Row {days_row}, column M (Date collected): Enter a date such as 2025-03-31."
    )
    assert sentences[1].startswith(f"Row {days_row}, column L (Denominator): Only percentages")


def test_it_refuses_files_that_are_not_templates(cast: Cast, owed: Owed) -> None:
    def problem(content: bytes) -> list[str]:
        with pytest.raises(SpreadsheetError) as caught:
            read_template(upload(content), person=cast.contributor)
        assert list(caught.value.errors) == ["file"]
        return describe_errors(caught.value.errors)

    assert problem(b"Code,Value\n1.a,12\n") == [
        "The file could not be read as an Excel workbook (.xlsx). Save it as .xlsx."
    ]
    plain = io.BytesIO()
    Workbook().save(plain)
    assert problem(plain.getvalue())[0].startswith("This is not a Waymark data template")
    # A column removed shifts every field: refused rather than misread.
    book = load_workbook(io.BytesIO(download(cast.contributor)))
    book.worksheets[0].delete_cols(2)
    moved = io.BytesIO()
    book.save(moved)
    assert problem(moved.getvalue())[0].startswith("This is not a Waymark data template")


def test_it_reads_an_untouched_template_as_nothing_to_save(cast: Cast, owed: Owed) -> None:
    assert read_template(download(cast.contributor), person=cast.contributor) == []
    assert template_workbook([], person_name="Батболд")  # an empty template is still a workbook


def test_it_describes_errors_of_the_whole_file_and_of_rows_in_order(cast: Cast) -> None:
    errors = {
        "row 12": {
            "period": ["2017-Q1 is locked; ask an admin to unlock it if data must still change."]
        },
        "row 7": {"value": ["Enter a number, e.g. 1250 or 1,250.5."], "breakdown": ["Odd."]},
        "file": {"file": ["Unreadable."]},
    }
    assert describe_errors(errors) == [
        "Unreadable.",
        "Row 7, column K (Value): Enter a number, e.g. 1250 or 1,250.5.",
        "Row 7: Odd.",
        "Row 12, column F (Period): 2017-Q1 is locked; ask an admin to unlock it if data must "
        "still change.",
    ]


def test_it_takes_yes_no_levels_and_text_from_the_template(cast: Cast) -> None:
    plan = running_plan(cast)
    report = make_indicator(
        cast, plan, "3.a", title="Monthly report delivered on time", measure_type="yes_no"
    )
    quality = make_indicator(
        cast,
        plan,
        "3.b",
        title="Quality of service",
        measure_type="ordinal",
        scale_levels=["Poor", "Fair", "Good"],
    )
    story = make_indicator(
        cast, plan, "3.c", title="Most significant change", measure_type="qualitative"
    )
    content = download(cast.contributor)
    rows = row_of(content)

    def row(indicator: Indicator) -> int:
        return rows[
            f"{indicator.pk}-{period_on(indicator, timezone.localdate()).pk}-{cast.dept.pk}"
        ]

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet[f"G{row(quality)}"].value == "Ordinal scale: Poor, Fair, Good"
    lists = {v.formula1: str(v.sqref) for v in sheet.data_validations.dataValidation}
    assert f"K{row(report)}" in lists['"yes,no"']
    assert f"K{row(quality)}" in lists['"Poor,Fair,Good"']

    filled = fill(
        content,
        {
            row(report): {"value": "Yes"},
            row(quality): {"value": "Fair"},
            row(story): {"value": "Хоёр сумын иргэд анх удаа санал өгсөн."},
        },
    )
    saved = measurements_save_batch(
        actor=cast.contributor, entries=read_template(upload(filled), person=cast.contributor)
    )
    by_code = {m.indicator.code: m for m in saved}
    assert by_code["3.a"].value == Decimal(1)
    assert by_code["3.b"].value == Decimal(2)
    assert by_code["3.c"].text == "Хоёр сумын иргэд анх удаа санал өгсөн."

    again = load_workbook(io.BytesIO(download(cast.contributor))).worksheets[0]
    assert [again[f"K{row(i)}"].value for i in (report, quality, story)] == [
        "yes",
        "Fair",
        "Хоёр сумын иргэд анх удаа санал өгсөн.",
    ]


def through_libreoffice(content: bytes, tmp_path: Any) -> bytes:
    """The workbook as LibreOffice saves it again (skipped where LibreOffice is missing)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    source, out = work / "book.xlsx", work / "out"
    source.write_bytes(content)
    subprocess.run(  # noqa: S603 - a fixed program and our own temporary files
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / "book.xlsx").read_bytes()


def test_it_reads_workbooks_saved_again_by_libreoffice(
    cast: Cast, owed: Owed, tmp_path: Any
) -> None:
    content = download(cast.contributor)
    days_row = row_of(content)[owed.key(owed.days, cast.dept)]
    today = timezone.localdate()
    filled = fill(content, {days_row: {"value": 12, "date_collected": today, "comment": "Сум"}})
    (entry,) = read_template(through_libreoffice(filled, tmp_path), person=cast.contributor)
    assert (entry.key, entry.indicator, entry.data["date_collected"]) == (
        f"row {days_row}",
        owed.days,
        today,
    )
    assert (entry.data["value"], entry.data["comment"]) == (12, "Сум")

    scenario = last_year_plan(cast)
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="quarterly")
    saved = load_workbook(
        io.BytesIO(through_libreoffice(iptt_workbook(table, title="IPTT"), tmp_path))
    )
    sheet = saved.active
    assert sheet["B2"].value == CYRILLIC_PLAN
    assert [c.value for c in sheet[10]][:11] == [
        "1.a",
        "Open-door days held",
        "1.1.1",
        "days",
        5,
        120,
        36,
        0.3,
        30,
        30,
        1,
    ]


def test_an_upload_does_not_overwrite_a_value_entered_online_since_the_download(
    cast: Cast, owed: Owed
) -> None:
    from waymark.indicators.services import measurement_save

    content = download(cast.contributor)
    row = row_of(content)[owed.key(owed.days, cast.dept)]
    measurement_save(  # a colleague enters the value online while the file is out
        actor=cast.manager,
        indicator=owed.days,
        period=owed.quarter,
        unit=cast.dept,
        data={"value": "100", "comment": "from the soum"},
    )
    filled = fill(content, {row: {"value": 1}})
    entries = read_template(filled, person=cast.contributor)
    with pytest.raises(BatchError) as caught:
        measurements_save_batch(actor=cast.contributor, entries=entries)
    assert "Someone else changed this" in caught.value.errors[f"row {row}"]["value"][0]
    stored = Measurement.objects.get(indicator=owed.days)
    assert (stored.value, stored.comment) == (Decimal(100), "from the soum")
