"""`waymark demo`: load the demo organisation, people and plans; print the demo logins."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.demo import (
    ADMIN_USERNAME,
    DEMO_PASSWORD,
    database_has_data,
    load_demo,
    render_report,
)


class Command(BaseCommand):
    help = (
        f"Load demo data, every login with the password {DEMO_PASSWORD} ('{ADMIN_USERNAME}' is "
        "a superuser): the Dornod Aimag Governor's Office with its departments, its 2017 annual "
        "action plan (the tracking grid of the 2017 development goals) and the Governor's "
        "action programme 2016-2020 above it, and SayPro with its teams, its February action "
        "plan and its M&E framework 2024-2026; their indicators with targets and two years and "
        "more of data (approved, returned, awaiting approval, late, broken down by soum and "
        "sex); and demo people in every role (admin, manager, contributor, viewer). Safe to run "
        "again: it adds only what is missing (units by name, people by username, plans by "
        "title, indicators by plan and code) and never changes or deletes existing data. Not "
        "for a production database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (print a one-line note) when the database already has any unit or "
            "plan; `make run` uses this so a database in use is never touched.",
        )
        parser.add_argument(
            "--url",
            default=None,
            help="The address to print for signing in (default: http://127.0.0.1:$PORT/, "
            "PORT defaulting to 8000, as `make run` serves).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and database_has_data():
            self.stdout.write(
                "Demo data not loaded: the database already has units or plans "
                "(run `waymark demo` without --if-empty to add the missing demo data)."
            )
            return
        try:
            result = load_demo()
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(
                f"The demo data could not be loaded, nothing was written: {exc!r}. An existing "
                f"'{ADMIN_USERNAME}' user must be a superuser or an admin of the root unit."
            ) from exc
        url = options["url"] or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}/"
        self.stdout.write(render_report(result, url=url))
