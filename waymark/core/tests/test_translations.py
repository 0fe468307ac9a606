"""The Mongolian catalogue is complete, compiled, covers the code, and is what users see.

The .po file is read by the small parser below (no polib), so the completeness checks run
anywhere. Only the coverage check needs the GNU gettext tools; it is skipped without them.
"""

from __future__ import annotations

import gettext
import re
import shutil
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

PACKAGE = Path(__file__).resolve().parents[2]  # the waymark/ package
PO = PACKAGE / "locale" / "mn" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# Python %-directives: %(name)s, %s, %d, %5.2f ... ("%%" is a literal percent sign).
_DIRECTIVE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*\d*(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa%])"
)

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def label(self) -> str:
        return repr(self.msgid if self.msgctxt is None else f"{self.msgctxt}|{self.msgid}")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted .po string: {text!r}")
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file, header included (msgid ""); obsolete (#~) entries are dropped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    part: str | int | None = None  # what a continuation line ("...") extends

    def finish() -> None:
        nonlocal entry, part
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)
        entry, part = None, None

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if isinstance(part, int):  # flags after a msgstr start the next entry
                finish()
            entry = entry or Entry()
            entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if entry is None or part is None:
                raise ValueError(f"line {lineno}: string outside an entry")
            value = _unquote(line)
            if part == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif part == "msgid":
                entry.msgid += value
            elif part == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                assert isinstance(part, int)
                entry.msgstr[part] += value
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and isinstance(part, int):
                finish()  # a new entry without a blank line in between
            entry = entry or Entry()
            if keyword == "msgctxt":
                entry.msgctxt, part = _unquote(rest), "msgctxt"
            elif keyword == "msgid":
                entry.msgid, part = _unquote(rest), "msgid"
            elif keyword == "msgid_plural":
                entry.msgid_plural, part = _unquote(rest), "msgid_plural"
            elif keyword == "msgstr":
                entry.msgstr[0], part = _unquote(rest), 0
            elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
                entry.msgstr[int(m[1])], part = _unquote(rest), int(m[1])
            else:
                raise ValueError(f"line {lineno}: unexpected {raw!r}")
    finish()
    return entries


def _catalogue() -> tuple[Entry, list[Entry]]:
    assert PO.is_file(), f"{PO} is missing; run makemessages -l mn"
    entries = parse_po(PO.read_text(encoding="utf-8"))
    assert entries and entries[0].msgid == "" and entries[0].msgctxt is None, "no .po header"
    return entries[0], entries[1:]


def _directives(text: str) -> list[str]:
    """The %-directives of a string, named ones sorted, literal %% left out."""
    found = [(m["name"], m["conv"]) for m in _DIRECTIVE.finditer(text) if m["conv"] != "%"]
    named = sorted(f"%({n}){c}" for n, c in found if n is not None)
    positional = [f"%{c}" for n, c in found if n is None]
    return named + positional


def test_parser_reads_plurals_continuations_flags_and_escapes() -> None:
    text = (
        'msgid ""\nmsgstr ""\n"Language: mn\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(n)s"\nmsgid_plural ""\n"b %(n)s"\n'
        'msgstr[0] "x"\nmsgstr[1] ""\n'
        'msgctxt "c"\nmsgid "q\\"\\n"\nmsgstr "r"\n\n#~ msgid "old"\n#~ msgstr "x"\n'
    )
    header, plural, quoted = parse_po(text)
    assert header.msgstr == {0: "Language: mn\n"}
    assert plural.key == (None, "a %(n)s", "b %(n)s")
    assert plural.msgstr == {0: "x", 1: ""}
    assert plural.flags == {"fuzzy", "python-format"}
    assert quoted.key == ("c", 'q"\n', None) and quoted.msgstr == {0: "r"}


def test_header_declares_mongolian_utf8_and_two_plural_forms() -> None:
    header, _ = _catalogue()
    fields = dict(line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    assert fields.get("Language", "").strip() == "mn"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").strip() == "nplurals=2; plural=(n != 1);"
    assert "fuzzy" not in header.flags


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    _, entries = _catalogue()
    assert entries, "the catalogue has no messages"
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    forms = (0, 1)
    missing = [
        e.label
        for e in entries
        if any(not e.msgstr.get(i, "").strip() for i in (forms if e.msgid_plural else (0,)))
    ]
    assert not fuzzy, f"fuzzy messages in {PO.name}: {fuzzy}"
    assert not missing, f"untranslated messages in {PO.name}: {missing}"


def test_translations_keep_placeholders_and_edge_newlines() -> None:
    _, entries = _catalogue()
    problems = []
    for e in entries:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        for i, translation in sorted(e.msgstr.items()):
            source = sources[min(i, len(sources) - 1)]
            if "python-format" in e.flags and _directives(translation) != _directives(source):
                problems.append(f"{e.label}[{i}]: placeholders differ")
            if source.startswith("\n") != translation.startswith("\n") or source.endswith(
                "\n"
            ) != translation.endswith("\n"):
                problems.append(f"{e.label}[{i}]: leading/trailing newline differs")
    assert not problems, problems


def test_compiled_catalogue_matches_the_po_file() -> None:
    """django.mo exists and holds exactly the .po's translations (i.e. it was recompiled)."""
    _, entries = _catalogue()
    assert MO.is_file(), f"{MO} is missing; run compilemessages -l mn"
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in entries:
        if e.msgid_plural is None:
            got = {
                0: compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid)
            }
        else:
            got = {
                form: (
                    compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                    if e.msgctxt
                    else compiled.ngettext(e.msgid, e.msgid_plural, n)
                )
                for form, n in ((0, 1), (1, 2))
            }
        if got != e.msgstr:
            stale.append(e.label)
    assert not stale, f"{MO.name} is out of date for {stale}; run compilemessages -l mn"


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib")),
    reason="GNU gettext tools are not installed",
)
def test_catalogue_has_every_message_in_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract the messages afresh from a copy of the package and compare with the catalogue."""
    source = tmp_path / "waymark"
    shutil.copytree(
        PACKAGE,
        source,
        ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "static"),
    )
    out = tmp_path / "locale"
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[str(out)]):
        call_command(
            "makemessages",
            locale=["mn"],
            no_location=True,
            verbosity=0,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    fresh = parse_po((out / "mn" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    _, entries = _catalogue()
    known = {e.key for e in entries}
    absent = [e.label for e in fresh[1:] if e.key not in known]
    assert len(fresh) > 1, "makemessages found no messages"
    assert not absent, f"messages missing from {PO.name} (run makemessages -l mn): {absent}"


@pytest.mark.django_db
def test_sign_in_page_is_served_in_mongolian() -> None:
    _, entries = _catalogue()
    sign_in = next(e.msgstr[0] for e in entries if e.key == (None, "Sign in", None))
    response = Client().get("/account/login/", headers={"accept-language": "mn"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.headers["Content-Language"] == "mn"
    assert '<html lang="mn">' in html
    assert f"<h1>{sign_in}</h1>" in html
    assert ">Sign in<" not in html
