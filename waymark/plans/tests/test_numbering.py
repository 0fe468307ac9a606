"""Numbering by position: 1, 1.1, 1.1.2. Ids never change; numbers follow the tree."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.core.testing import Cast, make_element, make_plan
from waymark.core.tests.builders import outline
from waymark.plans.models import Element, Plan
from waymark.plans.numbering import renumber
from waymark.plans.services import (
    element_create,
    element_delete,
    element_move,
    element_restore,
)

Tree = tuple[Element, Element, Element]


def codes(plan: Plan) -> dict[int, str]:
    return dict(Element.objects.filter(plan=plan).values_list("pk", "code"))


def assert_numbered_by_position(plan: Plan) -> None:
    """Codes are exactly the pre-order numbering of the live tree."""
    rows = list(Element.objects.filter(plan=plan))
    by_id = {e.pk: e for e in rows}
    children: dict[int | None, list[Element]] = defaultdict(list)
    for element in rows:
        assert element.parent_id is None or element.parent_id in by_id, "a live orphan"
        children[element.parent_id].append(element)
    preorder: list[int] = []

    def walk(parent: Element | None) -> None:
        siblings = sorted(children[parent.pk if parent else None], key=lambda e: e.position)
        assert [e.position for e in siblings] == list(range(1, len(siblings) + 1))
        for element in siblings:
            assert element.code == (
                f"{parent.code}.{element.position}" if parent else str(element.position)
            )
            assert element.depth == (parent.depth + 1 if parent else 1)
            preorder.append(element.pk)
            walk(element)

    walk(None)
    assert len(preorder) == len(rows), "every live element is reachable from the top"
    assert [e.pk for e in sorted(rows, key=lambda e: e.sort_key)] == preorder


# -- examples ----------------------------------------------------------------------------------
def test_elements_are_numbered_by_their_position_in_the_tree(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    goal, objective, _action = tree
    make_element(cast, plan, "Second action", parent=objective)
    make_element(cast, plan, "Second objective", parent=goal)
    make_element(cast, plan, "Second goal")
    assert outline(plan) == [
        ("1", "Good governance"),
        ("1.1", "Capable public servants"),
        ("1.1.1", "Train government officials"),
        ("1.1.2", "Second action"),
        ("1.2", "Second objective"),
        ("2", "Second goal"),
    ]
    assert_numbered_by_position(plan)


def test_tree_order_holds_past_nine_siblings(cast: Cast, plan: Plan) -> None:
    first = make_element(cast, plan, "Goal 1")
    for n in range(2, 12):
        make_element(cast, plan, f"Goal {n}")
    for n in range(1, 11):
        make_element(cast, plan, f"Objective 1.{n}", parent=first)
    assert [c for c, _t in outline(plan)][:3] == ["1", "1.1", "1.2"]
    assert [c for c, _t in outline(plan)][9:13] == ["1.9", "1.10", "2", "3"]
    assert outline(plan)[-1] == ("11", "Goal 11")
    assert_numbered_by_position(plan)


def test_moves_and_reorders_renumber_while_ids_stay(cast: Cast, plan: Plan, tree: Tree) -> None:
    goal, objective, action = tree
    second = make_element(cast, plan, "Open economy")
    ids = set(codes(plan))
    element_move(actor=cast.admin, element=second, parent=None, position=1)
    assert codes(plan) == {second.pk: "1", goal.pk: "2", objective.pk: "2.1", action.pk: "2.1.1"}
    element_move(actor=cast.admin, element=objective, parent=second)
    assert codes(plan) == {second.pk: "1", objective.pk: "1.1", action.pk: "1.1.1", goal.pk: "2"}
    element_move(actor=cast.admin, element=action, parent=goal, position=99)
    assert codes(plan) == {second.pk: "1", objective.pk: "1.1", goal.pk: "2", action.pk: "2.1"}
    assert set(codes(plan)) == ids
    assert_numbered_by_position(plan)


def test_deletes_and_restores_renumber_while_ids_stay(cast: Cast, plan: Plan, tree: Tree) -> None:
    goal, objective, action = tree
    first = element_create(actor=cast.admin, plan=plan, data={"title": "First"}, position=1)
    last = make_element(cast, plan, "Last")
    assert codes(plan)[goal.pk] == "2"
    element_delete(actor=cast.admin, element=first)
    assert codes(plan) == {goal.pk: "1", objective.pk: "1.1", action.pk: "1.1.1", last.pk: "2"}
    element_delete(actor=cast.admin, element=goal)
    assert codes(plan) == {last.pk: "1"}
    element_restore(actor=cast.admin, element=Element.all_objects.get(pk=first.pk))
    assert codes(plan) == {first.pk: "1", last.pk: "2"}
    element_restore(actor=cast.admin, element=Element.all_objects.get(pk=goal.pk))
    assert codes(plan) == {  # back at the place it had when deleted
        goal.pk: "1",
        objective.pk: "1.1",
        action.pk: "1.1.1",
        first.pk: "2",
        last.pk: "3",
    }
    assert_numbered_by_position(plan)


def test_renumber_repairs_gaps_and_changes_only_what_is_wrong(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    _goal, objective, _action = tree
    second = make_element(cast, plan, "Open economy")
    assert renumber(plan) == 0
    Element.objects.filter(pk=second.pk).update(position=7, code="x", sort_key="")
    Element.objects.filter(pk=objective.pk).update(position=3)
    assert renumber(plan) == 2
    assert codes(plan)[second.pk] == "2"
    assert codes(plan)[objective.pk] == "1.1"
    assert_numbered_by_position(plan)


def test_renumber_leaves_deleted_elements_and_other_plans_alone(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    other = make_plan(cast, "Other plan")
    stranger = make_element(cast, other, "Stranger")
    element_delete(actor=cast.admin, element=tree[1])
    Element.objects.filter(pk=stranger.pk).update(code="5")
    renumber(plan)
    assert Element.objects.get(pk=stranger.pk).code == "5"
    assert Element.all_objects.get(pk=tree[2].pk).code == "1.1.1"  # as it was when deleted


# -- property ----------------------------------------------------------------------------------
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 30), st.none() | st.integers(0, 5)),
        st.tuples(
            st.just("move"), st.integers(0, 30), st.integers(0, 30), st.none() | st.integers(0, 5)
        ),
        st.tuples(st.just("delete"), st.integers(0, 30)),
        st.tuples(st.just("restore"), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=14,
)


class Model:
    """What the tree should be: each node's ordered children, live or deleted with it."""

    def __init__(self) -> None:
        self.children: dict[int | None, list[int]] = defaultdict(list)
        self.parent: dict[int, int | None] = {}
        self.detached: dict[int, int] = {}  # deleted on its own -> its position then

    def live(self) -> list[int]:
        found: list[int] = []

        def walk(node: int | None) -> None:
            for child in self.children[node]:
                found.append(child)
                walk(child)

        walk(None)
        return found

    def expected(self) -> list[tuple[int, str]]:
        result: list[tuple[int, str]] = []

        def walk(node: int | None, prefix: str) -> None:
            for index, child in enumerate(self.children[node], start=1):
                result.append((child, f"{prefix}{index}"))
                walk(child, f"{prefix}{index}.")

        walk(None, "")
        return result

    def insert(self, node: int, parent: int | None, position: int | None) -> None:
        siblings = self.children[parent]
        index = len(siblings) if position is None else min(max(position, 1) - 1, len(siblings))
        siblings.insert(index, node)
        self.parent[node] = parent


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_any_sequence_of_changes_keeps_the_numbering_exact(
    cast: Cast, operations: list[tuple]
) -> None:
    plan = make_plan(cast, "Property", tiers=["Goal", "Objective", "Action", "Sub-action"])
    model = Model()
    actor = cast.admin
    # Services get the objects as first loaded, never refreshed: stale copies must not matter.
    loaded: dict[int, Element] = {}
    for operation in operations:
        live = model.live()
        kind = operation[0]
        try:
            if kind == "create":
                _k, parent_choice, position = operation
                parent_id = ([None, *live])[parent_choice % (len(live) + 1)]
                created = element_create(
                    actor=actor,
                    plan=plan,
                    parent=loaded[parent_id] if parent_id else None,
                    position=position,
                    data={"title": f"Element {len(model.parent) + 1}"},
                )
                loaded[created.pk] = created
                model.insert(
                    created.pk, parent_id, position if position is None or position > 0 else 1
                )
            elif kind == "move" and live:
                _k, choice, parent_choice, position = operation
                node = live[choice % len(live)]
                parent_id = ([None, *live])[parent_choice % (len(live) + 1)]
                element_move(
                    actor=actor,
                    element=loaded[node],
                    parent=loaded[parent_id] if parent_id else None,
                    position=position,
                )
                model.children[model.parent[node]].remove(node)
                model.insert(node, parent_id, position)
            elif kind == "delete" and live:
                node = live[operation[1] % len(live)]
                element_delete(actor=actor, element=loaded[node])
                siblings = model.children[model.parent[node]]
                model.detached[node] = siblings.index(node) + 1
                siblings.remove(node)
            elif kind == "restore" and model.detached:
                node = sorted(model.detached)[operation[1] % len(model.detached)]
                element_restore(actor=actor, element=loaded[node])
                model.insert(node, model.parent[node], model.detached.pop(node))
        except ValidationError:
            pass  # refused (a cycle, too deep, a deleted parent): the tree must be as it was
        assert_numbered_by_position(plan)
        stored = list(
            Element.objects.filter(plan=plan).order_by("sort_key").values_list("pk", "code")
        )
        assert stored == model.expected(), operation
