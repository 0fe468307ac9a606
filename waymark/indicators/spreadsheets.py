"""Indicator spreadsheets (openpyxl): the IPTT as a workbook, and the data-entry template a
person downloads, fills offline and uploads again.

The template's first row is hidden and holds the column ids (`FIELDS`); it marks the sheet as
a Waymark template whatever the language of the visible headers, and `read_template` refuses a
sheet whose ids are missing or moved. Column A holds each row's key, "indicator-period-unit"
ids (`Due.key`); uploaded keys are checked again against what the uploader owes now.

Saving is the caller's: `services.measurements_save_batch(actor=..., entries=read_template(...))`
saves every row or none, and its errors (keyed "row 7" -> field) read as sentences with
`describe_errors`.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from waymark.indicators.iptt import Iptt
from waymark.indicators.models import Indicator, Measurement
from waymark.indicators.selectors import Due, data_owed_by
from waymark.indicators.services import NO, YES, BatchError, Entry

# -- template layout ---------------------------------------------------------------------------
FIELDS = [
    "key",
    "plan",
    "code",
    "indicator",
    "unit",
    "period",
    "measure_type",
    "unit_of_measure",
    "previous",
    "status",
    "value",
    "denominator",
    "date_collected",
    "comment",
    "version",
]
FILL_IN = ["value", "denominator", "date_collected", "comment"]
# Service field name -> the template's column letter ("text" is a qualitative value).
COLUMNS: dict[str, str] = {name: get_column_letter(i) for i, name in enumerate(FIELDS, start=1)}
COLUMNS["text"] = COLUMNS["value"]
HEADERS: dict[str, Promise] = {
    "key": gettext_lazy("Key (do not change)"),
    "plan": gettext_lazy("Plan"),
    "code": gettext_lazy("Code"),
    "indicator": gettext_lazy("Indicator"),
    "unit": gettext_lazy("Reporting unit"),
    "period": gettext_lazy("Period"),
    "measure_type": gettext_lazy("Measure type"),
    "unit_of_measure": gettext_lazy("Unit of measure"),
    "previous": gettext_lazy("Previous period's value"),
    "status": gettext_lazy("Status"),
    "value": gettext_lazy("Value (numerator for percentages)"),
    "denominator": gettext_lazy("Denominator"),
    "date_collected": gettext_lazy("Date collected"),
    "comment": gettext_lazy("Comment"),
    "version": gettext_lazy("Version (do not change)"),
}
HEADERS["text"] = HEADERS["value"]
# Short names for error sentences ("row 7, column K (Value): ...").
SHORT_HEADERS: dict[str, Promise] = {
    **HEADERS,
    "key": gettext_lazy("Key"),
    "value": gettext_lazy("Value"),
    "text": gettext_lazy("Value"),
    "previous": gettext_lazy("Previous value"),
}
HELP: dict[str, Promise] = {
    "key": gettext_lazy(
        "Identifies the indicator, period and reporting unit of the row. Do not change it; "
        "rows may be deleted or sorted."
    ),
    "plan": gettext_lazy("The plan the indicator belongs to."),
    "code": gettext_lazy("The indicator's code in its plan."),
    "indicator": gettext_lazy("The indicator's title."),
    "unit": gettext_lazy("The unit whose value this row is."),
    "period": gettext_lazy("The reporting period the value is for."),
    "measure_type": gettext_lazy(
        "How to enter the value: a number, a percentage as numerator and denominator, yes or "
        "no, one of the named levels, or text."
    ),
    "unit_of_measure": gettext_lazy("What the number counts (people, days, MNT, %)."),
    "previous": gettext_lazy("The value reported for the period before, for comparison."),
    "version": gettext_lazy(
        "The version of the value when the file was made (0: none yet). If someone changes the "
        "value online before you upload, the upload says so instead of overwriting it."
    ),
    "status": gettext_lazy(
        "New: nothing entered yet. Draft: saved, not submitted. Returned: sent back for correction."
    ),
    "value": gettext_lazy(
        "The value. For a percentage, the numerator (e.g. 12 officials trained); for yes/no, "
        "yes or no; for a scale, the level's name or number; for a qualitative indicator, text."
    ),
    "denominator": gettext_lazy(
        "Percentages only: the denominator (e.g. 20 officials in all). Leave it empty otherwise."
    ),
    "date_collected": gettext_lazy(
        "When the data was collected, as a date such as 2025-03-31. Not in the future."
    ),
    "comment": gettext_lazy("Anything the reviewer should know about the value (optional)."),
}
ID_ROW = 1  # hidden: the column ids
TITLE_ROW = 2
NOTE_ROW = 3
HEADER_ROW = 4
FIRST_ROW = 5
MAX_ROWS = 10_000  # filled rows in one upload
KEY_PATTERN = re.compile(r"^\d+-\d+-\d+$")

# -- styles ------------------------------------------------------------------------------------
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
MUTED = Font(color="666666", italic=True)
KEY_FONT = Font(color="808080", size=8)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
FILL_IN_HEADER = PatternFill("solid", fgColor="FFD966")
FILL_IN_CELL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


class SpreadsheetError(BatchError):
    """The upload cannot be read, or some rows are refused before anything is saved.

    `errors` has the shape of `BatchError.errors`: {"row 7": {"date_collected": [message]}};
    problems of the whole file are keyed "file"."""


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _now_text() -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M %Z}".strip()


def _number(amount: Decimal | None) -> int | float | None:
    if amount is None:
        return None
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def _amount_format(amount: Decimal | None, percent: bool) -> str:
    integral = amount is None or amount == amount.to_integral_value()
    if percent:
        return "0%" if integral else "0.0#%"
    return "#,##0" if integral else "#,##0.0###"


# -- the IPTT ----------------------------------------------------------------------------------
def iptt_workbook(table: Iptt, *, title: str) -> bytes:
    """The IPTT as an xlsx: a header block (plan, filters, generated at), then one row per
    indicator with its baseline, life-of-plan target, actual and % met, and target, actual and
    % met per period. Percentages and % met are stored as fractions with a percent format."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_name(_("IPTT"))
    workbook.properties.title = title
    workbook.properties.creator = "Waymark"

    sheet.cell(row=1, column=1, value=title).font = TITLE_FONT
    everything = _("all")
    if table.start or table.end:
        first = f"{table.start:%Y-%m-%d}" if table.start else "…"
        last = f"{table.end:%Y-%m-%d}" if table.end else "…"
        span = f"{first} \u2013 {last}"
    else:
        span = everything
    block = [
        (_("Plan"), table.plan.title),
        (_("Periods"), f"{table.frequency_label} ({span})"),
        (_("Unit"), table.unit.name if table.unit else everything),
        (
            _("Element"),
            f"{table.element.code} {table.element.title}".strip() if table.element else everything,
        ),
        (_("Generated at"), _now_text()),
    ]
    for offset, (label, value) in enumerate(block, start=2):
        sheet.cell(row=offset, column=1, value=label).font = BOLD
        sheet.cell(row=offset, column=2, value=value)

    group_row = len(block) + 3
    header_row = group_row + 1
    fixed = [
        (_("Code"), 10),
        (_("Indicator"), 48),
        (_("Elements"), 14),
        (_("Unit of measure"), 12),
        (_("Baseline"), 11),
    ]
    trio = [_("Target"), _("Actual"), _("% met")]
    for column, (label, width) in enumerate(fixed, start=1):
        sheet.merge_cells(
            start_row=group_row, start_column=column, end_row=header_row, end_column=column
        )
        sheet.cell(row=group_row, column=column, value=label)
        sheet.column_dimensions[get_column_letter(column)].width = width
    groups = [_("Life of plan")] + [c.label for c in table.columns]
    for index, group in enumerate(groups):
        first_column = len(fixed) + 1 + index * 3
        sheet.merge_cells(
            start_row=group_row,
            start_column=first_column,
            end_row=group_row,
            end_column=first_column + 2,
        )
        sheet.cell(row=group_row, column=first_column, value=group)
        for offset, label in enumerate(trio):
            sheet.cell(row=header_row, column=first_column + offset, value=label)
            sheet.column_dimensions[get_column_letter(first_column + offset)].width = 11
    last_column = len(fixed) + 3 * len(groups)
    for heading_row in (group_row, header_row):
        for column in range(1, last_column + 1):
            cell = sheet.cell(row=heading_row, column=column)
            cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEADER_FILL, BOX, CENTRE

    for row_index, row in enumerate(table.rows, start=header_row + 1):
        percent = row.is_ratio
        values: list[tuple[Any, str | None]] = [
            (row.code, None),
            (row.title, None),
            (", ".join(row.element_codes), None),
            (row.unit_of_measure, None),
            _amount_cell(row.baseline, percent)
            if not row.baseline_not_available
            else (_("n/a"), None),
            *_trio(row.life_target, row.life_actual_amount, row.life_percent_met, percent),
        ]
        for cell_figures in row.cells:
            values.extend(
                _trio(
                    cell_figures.target,
                    cell_figures.actual_amount,
                    cell_figures.percent_met,
                    percent,
                )
            )
        for column, (value, number_format) in enumerate(values, start=1):
            cell = sheet.cell(row=row_index, column=column, value=value)
            cell.border = BOX
            if number_format:
                cell.number_format = number_format
            if column == 2:
                cell.alignment = WRAP_TOP
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{group_row}:{header_row}"
    return _save(workbook)


def _amount_cell(amount: Decimal | None, percent: bool) -> tuple[Any, str | None]:
    if amount is None:
        return None, None
    if percent:
        return float(amount / 100), _amount_format(amount, percent)
    return _number(amount), _amount_format(amount, percent)


def _trio(
    target: Decimal | None, actual: Decimal | None, met: Decimal | None, percent: bool
) -> list[tuple[Any, str | None]]:
    return [
        _amount_cell(target, percent),
        _amount_cell(actual, percent),
        (float(met / 100), "0%") if met is not None else (None, None),
    ]


# -- the data-entry template ---------------------------------------------------------------------
def _yes_no_words() -> tuple[str, str]:
    yes, no = _("yes"), _("no")
    return (yes if yes.lower() in YES else "yes", no if no.lower() in NO else "no")


def _measure_text(indicator: Indicator) -> str:
    label = str(indicator.get_measure_type_display())
    if indicator.measure_type == Indicator.MeasureType.ORDINAL and indicator.scale_levels:
        return f"{label}: {', '.join(str(level) for level in indicator.scale_levels)}"
    return label


def _entered(indicator: Indicator, measurement: Measurement | None) -> Any:
    """The measurement's value as it is typed in the Value column."""
    if measurement is None:
        return None
    kind = indicator.measure_type
    if kind == Indicator.MeasureType.QUALITATIVE:
        return measurement.text or None
    if measurement.value is None:
        return None
    if kind == Indicator.MeasureType.YES_NO:
        yes, no = _yes_no_words()
        return yes if measurement.value else no
    if kind == Indicator.MeasureType.ORDINAL:
        levels = indicator.scale_levels or []
        index = int(measurement.value) - 1
        return levels[index] if 0 <= index < len(levels) else _number(measurement.value)
    return _number(measurement.value)


def _previous(indicator: Indicator, measurement: Measurement | None) -> Any:
    if measurement is None:
        return None
    if indicator.is_ratio and measurement.value is not None and measurement.denominator:
        amount = measurement.value * 100 / measurement.denominator
        return f"{_number(measurement.value)} / {_number(measurement.denominator)} ({amount:.1f}%)"
    return _entered(indicator, measurement)


def template_workbook(dues: list[Due], *, person_name: str) -> bytes:
    """A pre-filled data-entry workbook of what is owed (`selectors.data_owed_by`): one row per
    indicator, period and reporting unit, the yellow columns to fill, drafts already filled in,
    and a Help sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_name(_("Data entry"))
    workbook.properties.title = _("Data owed by %(name)s") % {"name": person_name}
    workbook.properties.creator = "Waymark"

    for column, name in enumerate(FIELDS, start=1):
        sheet.cell(row=ID_ROW, column=column, value=name).font = KEY_FONT
    sheet.row_dimensions[ID_ROW].hidden = True
    sheet.cell(row=TITLE_ROW, column=2, value=workbook.properties.title).font = TITLE_FONT
    sheet.cell(
        row=NOTE_ROW,
        column=2,
        value=_(
            "Generated at %(time)s. Fill in the yellow columns and upload the file; rows left "
            "empty are skipped. See the Help sheet."
        )
        % {"time": _now_text()},
    ).font = MUTED
    widths = {
        "key": 12,
        "plan": 20,
        "code": 9,
        "indicator": 40,
        "unit": 16,
        "period": 10,
        "measure_type": 16,
        "unit_of_measure": 11,
        "previous": 16,
        "status": 10,
        "value": 16,
        "denominator": 13,
        "date_collected": 14,
        "comment": 36,
        "version": 9,
    }
    for column, name in enumerate(FIELDS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=str(HEADERS[name]))
        cell.font, cell.border, cell.alignment = BOLD, BOX, CENTRE
        cell.fill = FILL_IN_HEADER if name in FILL_IN else HEADER_FILL
        sheet.column_dimensions[COLUMNS[name]].width = widths[name]
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.column_dimensions[COLUMNS["version"]].hidden = True  # read back, never edited

    yes, no = _yes_no_words()
    lists: dict[str, DataValidation] = {}
    status_new = _("New")
    for row, due in enumerate(dues, start=FIRST_ROW):
        indicator, measurement = due.indicator, due.measurement
        values = {
            "key": due.key,
            "plan": indicator.plan.title,
            "code": indicator.code,
            "indicator": indicator.title,
            "unit": due.unit.label,
            "period": due.period.label,
            "measure_type": _measure_text(indicator),
            "unit_of_measure": indicator.shown_unit,
            "previous": _previous(indicator, due.previous),
            "status": str(measurement.get_status_display()) if measurement else status_new,
            "value": _entered(indicator, measurement),
            "denominator": _number(measurement.denominator)
            if measurement is not None and measurement.denominator is not None
            else None,
            "date_collected": measurement.date_collected if measurement else None,
            "comment": (measurement.comment or None) if measurement else None,
            "version": measurement.version if measurement else 0,
        }
        for column, name in enumerate(FIELDS, start=1):
            cell = sheet.cell(row=row, column=column, value=values[name])
            cell.border = BOX
            if name in FILL_IN:
                cell.fill = FILL_IN_CELL
            if name == "key":
                cell.font = KEY_FONT
                cell.number_format = "@"
            elif name == "date_collected":
                cell.number_format = "yyyy-mm-dd"
            elif name in ("indicator", "comment"):
                cell.alignment = WRAP_TOP
        choices: list[str] = []
        if indicator.measure_type == Indicator.MeasureType.YES_NO:
            choices = [yes, no]
        elif indicator.measure_type == Indicator.MeasureType.ORDINAL:
            choices = [str(level) for level in indicator.scale_levels or []]
        formula = '"' + ",".join(choices) + '"'
        if choices and len(formula) <= 255 and not any('"' in c or "," in c for c in choices):
            if formula not in lists:
                lists[formula] = DataValidation(
                    type="list",
                    formula1=formula,
                    allow_blank=True,
                    errorStyle="warning",
                    showErrorMessage=True,
                )
                sheet.add_data_validation(lists[formula])
            lists[formula].add(f"{COLUMNS['value']}{row}")
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=FIELDS.index("indicator") + 2)
    if dues:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{COLUMNS[FIELDS[-1]]}{FIRST_ROW + len(dues) - 1}"
    _help_sheet(workbook.create_sheet(_sheet_name(_("Help"))))
    return _save(workbook)


def _help_sheet(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet.cell(row=1, column=1, value=_("How to fill in this template")).font = TITLE_FONT
    rules = [
        _("Fill in the yellow columns of the Data entry sheet, then upload the file."),
        _(
            "Everything is saved, or nothing: when a row has a mistake the upload names its row "
            "and column, and no value is saved until all are corrected."
        ),
        _("Rows whose yellow columns are all empty are skipped; you may delete rows."),
        _(
            "Do not change the key column or the hidden first row; download a new template "
            "rather than copying rows between templates."
        ),
        _("Numbers may use a decimal point and thousands separators: 1250 or 1,250.5."),
    ]
    row = 3
    for rule in rules:
        cell = sheet.cell(row=row, column=1, value=f"• {rule}")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell.alignment = WRAP_TOP
        sheet.row_dimensions[row].height = 30
        row += 1
    row += 1
    for column, label in enumerate((_("Column"), _("What it holds")), start=1):
        cell = sheet.cell(row=row, column=column, value=label)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BOX
    for name in FIELDS:
        row += 1
        label = sheet.cell(row=row, column=1, value=f"{COLUMNS[name]}: {HEADERS[name]}")
        text = sheet.cell(row=row, column=2, value=str(HELP[name]))
        label.border, text.border = BOX, BOX
        label.alignment, text.alignment = WRAP_TOP, WRAP_TOP
        if name in FILL_IN:
            label.fill = FILL_IN_CELL


# -- reading an upload ---------------------------------------------------------------------------
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(value: Any) -> Any:
    """A cell as the services read it: text stripped, float noise from formulas rounded."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return Decimal(repr(round(value, 10)))
    return value


def _date(value: Any) -> datetime.date | None:
    """A date cell, a typed date (2025-03-31, 31/03/2025, 2025.03.31) or an Excel serial."""
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 36526 <= value <= 73051:  # 2000-01-01 ... 2100-01-01 as Excel serial numbers
            converted = from_excel(value)
            if isinstance(converted, datetime.datetime):
                return converted.date()
        raise ValueError(value)
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return datetime.datetime.fromisoformat(text).date()  # "2025-03-31 00:00:00"


def _file_error(message: str) -> SpreadsheetError:
    return SpreadsheetError({"file": {"file": [message]}})


def _rows(upload: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the template's sheet, from FIRST_ROW on."""
    source = io.BytesIO(upload) if isinstance(upload, bytes) else upload
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:
        raise _file_error(
            _("The file could not be read as an Excel workbook (.xlsx). Save it as .xlsx.")
        ) from None
    try:
        for sheet in workbook.worksheets:
            ids = next(sheet.iter_rows(min_row=ID_ROW, max_row=ID_ROW, values_only=True), ())
            if [str(v).strip() if v is not None else "" for v in ids[: len(FIELDS)]] != FIELDS:
                continue
            sheet.reset_dimensions()  # some writers store a wrong used range; read every row
            width = len(FIELDS)
            blank_run = 0
            for number, values in enumerate(
                sheet.iter_rows(min_row=FIRST_ROW, max_col=width, values_only=True),
                start=FIRST_ROW,
            ):
                padded = tuple(values[:width]) + (None,) * (width - len(values))
                blank_run = blank_run + 1 if all(_blank(v) for v in padded) else 0
                if blank_run > 1000:  # formatting stretched to the sheet's end
                    break
                yield number, padded
            return
    except SpreadsheetError:
        raise
    except Exception:
        raise _file_error(_("The workbook is damaged and could not be read.")) from None
    finally:
        workbook.close()
    raise _file_error(
        _(
            "This is not a Waymark data template, or its header rows were changed. Download a "
            "new template and copy your values into it."
        )
    )


def read_template(upload: Any, *, person: Any) -> list[Entry]:
    """The filled rows of an uploaded template as entries for
    `services.measurements_save_batch`, each keyed "row N" (N as the spreadsheet shows it).

    Only values the person owes now (`selectors.data_owed_by`: visible, theirs to enter, not yet
    submitted, period accepting data) are taken; any other key, a missing or changed key, a
    repeated row or a date that does not parse is refused with a SpreadsheetError naming the row
    and the field, and nothing is returned. Rows whose fill-in columns are all empty are skipped.
    Values are checked by the service when saved."""
    rows = list(_rows(upload))
    dues = {due.key: due for due in data_owed_by(person)}
    entries: list[Entry] = []
    errors: dict[str, dict[str, list[str]]] = {}
    seen: dict[str, int] = {}
    for number, values in rows:
        cells = dict(zip(FIELDS, values, strict=True))
        if all(_blank(cells[name]) for name in FILL_IN):
            continue
        if len(entries) + len(errors) >= MAX_ROWS:
            raise _file_error(
                _("The file has more than %(n)d filled rows; split it.") % {"n": MAX_ROWS}
            )
        row_key = f"row {number}"
        problems: dict[str, list[str]] = {}
        raw_key = cells["key"]
        key = "" if _blank(raw_key) else str(raw_key).strip()
        due = dues.get(key)
        if not key:
            problems["key"] = [_("The row has no key; download a new template.")]
        elif not KEY_PATTERN.match(key):
            problems["key"] = [
                _("The key “%(key)s” was changed; do not edit column A.") % {"key": key}
            ]
        elif due is None:
            problems["key"] = [
                _(
                    "You cannot enter this value now: it is not yours to enter, it was already "
                    "submitted, or its period is closed."
                )
            ]
        elif key in seen:
            problems["key"] = [
                _("The same value is also in row %(row)d; keep one of the two rows.")
                % {"row": seen[key]}
            ]
        else:
            seen[key] = number
        try:
            collected = _date(cells["date_collected"])
        except (ValueError, OverflowError, TypeError):
            collected = None
            problems["date_collected"] = [_("Enter a date such as 2025-03-31.")]
        if due is not None and not due.indicator.is_ratio and not _blank(cells["denominator"]):
            problems["denominator"] = [
                _("Only percentages have a denominator; leave this cell empty.")
            ]
        if problems or due is None:
            errors[row_key] = problems
            continue
        comment = cells["comment"]
        version = cells["version"]
        entries.append(
            Entry(
                key=row_key,
                indicator=due.indicator,
                period=due.period,
                unit=due.unit,
                data={
                    "value": _clean(cells["value"]),
                    "denominator": _clean(cells["denominator"]),
                    "date_collected": collected,
                    "comment": "" if _blank(comment) else str(comment).strip(),
                },
                version=_version(version),
            )
        )
    if errors:
        raise SpreadsheetError(errors)
    return entries


def _version(raw: Any) -> int | None:
    """The version written into the template; None (no check) when the cell was emptied."""
    try:
        return None if _blank(raw) else int(raw)
    except (TypeError, ValueError):
        return None


def _row_number(key: str) -> int:
    match = re.fullmatch(r"row (\d+)", key)
    return int(match.group(1)) if match else 0


def describe_errors(errors: dict[str, dict[str, list[str]]]) -> list[str]:
    """Sentences for a person: "Row 7, column K (Value): Enter a number, e.g. 1250 or 1,250.5."
    Whole-file problems come first, then rows in order."""
    sentences: list[str] = []
    for key in sorted(errors, key=lambda k: (_row_number(k), k)):
        row = _row_number(key)
        for field, messages in errors[key].items():
            for message in messages:
                if not row:
                    sentences.append(str(message))
                elif field in COLUMNS:
                    sentences.append(
                        _("Row %(row)d, column %(column)s (%(header)s): %(message)s")
                        % {
                            "row": row,
                            "column": COLUMNS[field],
                            "header": SHORT_HEADERS[field],
                            "message": message,
                        }
                    )
                else:
                    sentences.append(
                        _("Row %(row)d: %(message)s") % {"row": row, "message": message}
                    )
    return sentences
