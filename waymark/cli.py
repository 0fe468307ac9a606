"""The `waymark` command: Django's management commands for this project.

waymark migrate | runserver | demo | remind | token create USERNAME | check --deploy | ...

`waymark remind` sends the reporting cycle's reminders and queued mail; run it from cron (see
docs/configuration.md, "Reminders and mail").
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waymark.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "waymark"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
