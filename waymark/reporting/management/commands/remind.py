"""`waymark remind`: send due reminders and escalations, one digest mail a day, retry mail."""

from __future__ import annotations

import datetime
import time
from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from waymark.reporting.reminders import RunResult, run_reminders

HELP = """\
Send the reminders that are due today, escalate what is late to the unit's managers, mail
each person at most one digest a day, and send (or retry) every mail waiting in the queue.

What is reminded: progress updates (to the element's lead), indicator data (to the
indicator's data owners, else the reporting unit's contributors) and open action items (to
their owner). When: the organisation's Settings page, "Reminders" (by default 7 and 1 days
before the due date, on it, 3 days after it, and the unit's manager after 7 days).

Run it from cron every 15 minutes or every hour, e.g.
  */15 * * * * cd /srv/waymark && .venv/bin/waymark remind
Running it more often sends nothing twice: each reminder is recorded once in the database, a
person gets one digest a day, and two `waymark remind` running at the same moment (two
servers, an overlapping cron run) never send the same reminder or mail twice.

Mail goes through WAYMARK_EMAIL_URL. When the SMTP server cannot be reached, the mail stays
queued and is retried by later runs (after 5 minutes, then 10, 20, ... at most 6 hours); it is
never dropped. Exit status 0 even when mail failed: it will be retried."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter  # keep the paragraphs above
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Act as if today were this date (to test the settings, or to catch up after "
            "an outage). Default: today in the organisation's time zone.",
        )
        parser.add_argument(
            "--every",
            metavar="SECONDS",
            type=int,
            help="Run again every SECONDS seconds until stopped (Ctrl-C), for development "
            "(`make run`). Without it: run once and exit, which is what cron wants.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the reminders that would be sent and change nothing: no notification, "
            "no mail, nothing recorded.",
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help="The address people open Waymark at, e.g. https://waymark.example.org, so "
            "the links in mail are complete. Without it they are paths such as /inbox/ "
            "(unless the WAYMARK_BASE_URL setting gives the address).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["date"]) if options["date"] else None
        every = options["every"]
        if every is not None and every < 1:
            raise CommandError("--every needs a number of seconds of at least 1.")
        dry_run = bool(options["dry_run"])
        site = options["base_url"].rstrip("/") if options["base_url"] else None
        while True:
            try:
                result = run_reminders(today=today, dry_run=dry_run, site=site)
            except Exception as exc:
                if every is None:
                    raise
                # In a loop (`make run`), one bad run (the database restarting) must not end it.
                self.stderr.write(f"waymark remind: {type(exc).__name__}: {exc}")
            else:
                self._report(result, verbose=dry_run or options["verbosity"] > 1)
            if every is None:
                return
            close_old_connections()
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return

    def _report(self, result: RunResult, *, verbose: bool) -> None:
        if verbose:
            for planned in result.new:
                who = planned.person.get_username()
                self.stdout.write(
                    f"  {who} <{planned.person.email or 'no email'}> [{planned.stage}] "
                    f"{planned.text}"
                )
        self.stdout.write(result.summary())


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: '{value}' is not a date like 2025-03-31.") from None
