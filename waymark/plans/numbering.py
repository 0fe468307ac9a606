"""Numbering of a plan's tree by position: 1, 1.1, 1.1.2. Ids never change; numbers follow."""

from __future__ import annotations

from collections import defaultdict

from waymark.plans.models import Element, Plan


def renumber(plan: Plan) -> int:
    """Recompute position, code, depth and sort key of every live element; returns rows changed.

    One read and one bulk update, whatever moved.
    """
    rows = list(
        Element.objects.filter(plan=plan).only(
            "id", "parent_id", "position", "code", "depth", "sort_key"
        )
    )
    children: dict[int | None, list[Element]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    changed: list[Element] = []

    def walk(parent_id: int | None, prefix: str, key_prefix: str, depth: int) -> None:
        siblings = sorted(children.get(parent_id, []), key=lambda e: (e.position, e.pk))
        for index, element in enumerate(siblings, start=1):
            code = f"{prefix}{index}"
            sort_key = f"{key_prefix}{index:05d}"
            if (element.position, element.code, element.depth, element.sort_key) != (
                index,
                code,
                depth,
                sort_key,
            ):
                element.position, element.code = index, code
                element.depth, element.sort_key = depth, sort_key
                changed.append(element)
            walk(element.pk, f"{code}.", f"{sort_key}.", depth + 1)

    walk(None, "", "", 1)
    if changed:
        Element.objects.bulk_update(
            changed, ["position", "code", "depth", "sort_key"], batch_size=500
        )
    return len(changed)
