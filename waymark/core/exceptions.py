from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """Someone else saved the object since the writer loaded it; nothing was written."""

    def __init__(self, *, current_version: int, changed: dict[str, Any]) -> None:
        self.current_version = current_version
        self.changed = changed
        super().__init__(
            str(_("Someone else changed this since you opened it. Review their change and retry."))
        )
