"""The history reads in words: yes and no for flags, local times for moments."""

from __future__ import annotations

from typing import Any

from waymark.core.selectors import history_for
from waymark.core.services import record_change
from waymark.core.testing import Cast
from waymark.plans.models import Element


def test_it_shows_flags_as_yes_or_no_and_moments_as_local_times(
    cast: Cast, tree: tuple[Element, Element, Element]
) -> None:
    action = tree[2]
    record_change(
        actor=cast.admin,
        obj=action,
        action="update",
        before={"quick_win": False, "notes": "2026-11-23T17:47:22.585Z"},
        after={"quick_win": True, "notes": "plain text"},
    )
    entry: Any = history_for(action)[0]
    rows = {label: (old, new) for label, old, new in entry.rows}
    assert rows["quick win"] == ("No", "Yes")
    old_moment = rows["notes"][0]
    assert old_moment.startswith("2026-11-2") and "T" not in old_moment and len(old_moment) == 16
