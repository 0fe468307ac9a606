"""The shared cast and small builders every test uses.

Tree: Governor's Office (root) > Department of Administration (dept) ; Finance Department (other).
Cast: admin (admin of the root), manager / contributor / viewer (of dept), outsider
(contributor of other). A plan owned by dept holds 1 > 1.1 > 1.1.1.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from waymark.core.roles import Role
from waymark.org.models import Membership, Person, Unit
from waymark.org.services import unit_create
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_create, plan_create

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Cast:
    root: Unit
    dept: Unit
    other: Unit
    admin: Person
    manager: Person
    contributor: Person
    viewer: Person
    outsider: Person

    @property
    def everyone(self) -> dict[str, Person]:
        return {
            "admin": self.admin,
            "manager": self.manager,
            "contributor": self.contributor,
            "viewer": self.viewer,
            "outsider": self.outsider,
        }


def make_person(
    username: str, unit: Unit | None = None, role: str | None = None, **extra: Any
) -> Person:
    person = Person.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        first_name=username.capitalize(),
        **extra,
    )
    if unit is not None and role is not None:
        Membership.objects.create(person=person, unit=unit, role=role)
    return person


def make_cast() -> Cast:
    root = Unit.objects.create(name="Governor's Office", short_name="GO")
    root.path = f"/{root.pk}/"
    root.save()
    admin = make_person("admin", root, Role.ADMIN)
    dept = unit_create(
        actor=admin, name="Department of Administration", short_name="GAD", parent=root
    )
    other = unit_create(actor=admin, name="Finance Department", short_name="FIN", parent=root)
    return Cast(
        root=root,
        dept=dept,
        other=other,
        admin=admin,
        manager=make_person("manager", dept, Role.MANAGER),
        contributor=make_person("contributor", dept, Role.CONTRIBUTOR),
        viewer=make_person("viewer", dept, Role.VIEWER),
        outsider=make_person("outsider", other, Role.CONTRIBUTOR),
    )


def make_plan(cast: Cast, title: str = "Development goals 2017", **data: Any) -> Plan:
    fields: dict[str, Any] = {
        "title": title,
        "start_date": datetime.date(2017, 1, 1),
        "end_date": datetime.date(2017, 12, 31),
        "owner_unit": cast.dept,
        "state": Plan.State.ACTIVE,
    }
    fields.update(data)
    return plan_create(actor=cast.admin, data=fields)


def make_element(
    cast: Cast, plan: Plan, title: str, parent: Element | None = None, **data: Any
) -> Element:
    return element_create(actor=cast.admin, plan=plan, parent=parent, data={"title": title, **data})


def make_tree(cast: Cast, plan: Plan) -> tuple[Element, Element, Element]:
    goal = make_element(cast, plan, "Good governance")
    objective = make_element(cast, plan, "Capable public servants", parent=goal)
    action = make_element(
        cast,
        plan,
        "Train government officials",
        parent=objective,
        responsible_unit=cast.dept,
        lead=cast.contributor,
        start_date=datetime.date(2017, 2, 1),
        target_date=datetime.date(2017, 6, 30),
        budget_planned="1500000",
    )
    return goal, objective, action
