"""Every route, visited by every member of the cast and anonymously, answers as expected.

The routes come from the URL configuration itself: a route added without an expectation here
fails `test_every_route_has_an_expectation`. Objects belong to the cast's department; the
outsider (a contributor of another unit) must find none of them (404), a viewer may read but
not open write forms (403), and anonymous visitors are sent to sign in (302) or refused (401).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from waymark.core.models import Change
from waymark.core.testing import Cast
from waymark.indicators.models import Period
from waymark.indicators.services import (
    dimension_save,
    indicator_create,
    measurement_save,
    period_unlock,
    targets_set,
)
from waymark.meetings.services import action_item_create
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.services import milestone_create
from waymark.reporting.models import Notification, Review
from waymark.reporting.reviews import review_create
from waymark.reporting.services import update_save

ROLES = ("admin", "manager", "contributor", "viewer", "outsider", "anon")
SKIPPED_PREFIXES = ("admin/", "i18n/")  # Django's own admin (superusers only) and set_language


def _row(
    admin: int, manager: int, contributor: int, viewer: int, outsider: int, anon: int
) -> dict[str, int]:
    return dict(zip(ROLES, (admin, manager, contributor, viewer, outsider, anon), strict=True))


EVERYONE = _row(200, 200, 200, 200, 200, 302)
DEPT_READ = _row(200, 200, 200, 200, 404, 302)
DEPT_EDIT = _row(200, 200, 200, 403, 404, 302)
DEPT_STRUCTURE = _row(200, 200, 403, 403, 404, 302)
DEPT_ADMIN = _row(200, 403, 403, 403, 404, 302)
ORG_ADMIN = _row(200, 403, 403, 403, 403, 302)
ANY_ADMIN_PAGE = _row(200, 404, 404, 404, 404, 302)
POST_ONLY = _row(405, 405, 405, 405, 405, 302)
PUBLIC = _row(200, 200, 200, 200, 200, 200)
API_LIST = _row(200, 200, 200, 200, 200, 401)
API_DEPT_READ = _row(200, 200, 200, 200, 404, 401)
API_POST_ONLY = _row(405, 405, 405, 405, 405, 401)

Objects = dict[str, Any]
Kwargs = Callable[[Objects], dict[str, Any]]

NONE: Kwargs = lambda o: {}  # noqa: E731
PLAN: Kwargs = lambda o: {"pk": o["plan"].pk}  # noqa: E731
ELEMENT: Kwargs = lambda o: {"pk": o["element"].pk}  # noqa: E731
MILESTONE: Kwargs = lambda o: {"pk": o["milestone"].pk}  # noqa: E731
UNIT: Kwargs = lambda o: {"pk": o["unit"].pk}  # noqa: E731
PERSON: Kwargs = lambda o: {"pk": o["person"].pk}  # noqa: E731
MEMBERSHIP: Kwargs = lambda o: {"pk": o["membership"].pk}  # noqa: E731
CHANGE: Kwargs = lambda o: {"pk": o["change"].pk}  # noqa: E731
INDICATOR: Kwargs = lambda o: {"pk": o["indicator"].pk}  # noqa: E731
PERIOD: Kwargs = lambda o: {"pk": o["period"].pk}  # noqa: E731
TARGET: Kwargs = lambda o: {"pk": o["target"].pk}  # noqa: E731
MEASUREMENT: Kwargs = lambda o: {"pk": o["measurement"].pk}  # noqa: E731
DIMENSION: Kwargs = lambda o: {"pk": o["dimension"].pk}  # noqa: E731
UPDATE: Kwargs = lambda o: {"pk": o["update"].pk}  # noqa: E731
REVIEW: Kwargs = lambda o: {"pk": o["review"].pk}  # noqa: E731
ACTION_ITEM: Kwargs = lambda o: {"pk": o["action_item"].pk}  # noqa: E731

EXPECTATIONS: dict[str, tuple[Kwargs, dict[str, int]]] = {
    # core
    "home": (NONE, EVERYONE),
    "my-work": (NONE, EVERYONE),
    "healthz": (NONE, PUBLIC),
    "change-list": (NONE, ANY_ADMIN_PAGE),
    "trash": (NONE, _row(200, 200, 404, 404, 404, 302)),
    "trash-restore": (lambda o: {"kind": "element", "pk": o["element"].pk}, POST_ONLY),
    # plans
    "plan-list": (NONE, EVERYONE),
    "plan-create": (NONE, _row(200, 200, 403, 403, 403, 302)),
    "plan-detail": (PLAN, DEPT_READ),
    "plan-edit": (PLAN, DEPT_STRUCTURE),
    "plan-copy": (PLAN, DEPT_STRUCTURE),
    "plan-delete": (PLAN, DEPT_STRUCTURE),
    "plan-grid": (PLAN, DEPT_READ),
    "element-create": (PLAN, DEPT_STRUCTURE),
    "element-detail": (ELEMENT, DEPT_READ),
    "element-edit": (ELEMENT, DEPT_EDIT),
    "element-move": (ELEMENT, DEPT_STRUCTURE),
    "element-delete": (ELEMENT, DEPT_STRUCTURE),
    "element-cell": (lambda o: {"pk": o["element"].pk, "field": "state"}, DEPT_READ),
    "milestone-create": (ELEMENT, DEPT_EDIT),
    "milestone-edit": (MILESTONE, DEPT_EDIT),
    "milestone-delete": (MILESTONE, POST_ONLY),
    # indicators (pages)
    "indicator-list": (PLAN, DEPT_READ),
    "indicator-create": (PLAN, DEPT_STRUCTURE),
    "plan-indicators-periods": (PLAN, DEPT_READ),
    "plan-iptt": (PLAN, DEPT_READ),
    "plan-iptt-xlsx": (PLAN, DEPT_READ),
    "indicator-detail": (INDICATOR, DEPT_READ),
    "indicator-edit": (INDICATOR, DEPT_STRUCTURE),
    "indicator-delete": (INDICATOR, DEPT_STRUCTURE),
    "indicator-targets": (INDICATOR, DEPT_STRUCTURE),
    "measurement-entry": (
        lambda o: {
            "pk": o["indicator"].pk,
            "period_pk": o["period"].pk,
            "unit_pk": o["unit"].pk,
        },
        DEPT_EDIT,
    ),
    "measurement-detail": (MEASUREMENT, DEPT_READ),
    "measurement-evidence": (MEASUREMENT, _row(404, 404, 404, 404, 404, 302)),  # no file
    "measurement-approve": (MEASUREMENT, POST_ONLY),
    "measurement-return": (MEASUREMENT, DEPT_STRUCTURE),
    "period-unlock": (PERIOD, DEPT_ADMIN),
    "period-lock": (PERIOD, POST_ONLY),
    "my-data": (NONE, EVERYONE),
    "my-data-template": (NONE, EVERYONE),
    "my-data-upload": (NONE, EVERYONE),
    "data-review": (NONE, EVERYONE),
    # reporting
    "my-updates": (NONE, EVERYONE),
    "update-detail": (UPDATE, DEPT_READ),
    "update-accept": (UPDATE, POST_ONLY),
    "update-return": (UPDATE, DEPT_STRUCTURE),
    "update-entry": (
        lambda o: {"pk": o["objective"].pk, "period_pk": o["period"].pk},
        DEPT_EDIT,
    ),
    "plan-schedule": (PLAN, DEPT_READ),
    "plan-board": (PLAN, DEPT_READ),
    "review-list": (PLAN, DEPT_READ),
    "review-create": (PLAN, DEPT_STRUCTURE),
    "review-detail": (REVIEW, DEPT_READ),
    "review-item": (
        lambda o: {"pk": o["review"].pk, "item_pk": o["review"].items.first().pk},
        POST_ONLY,
    ),
    "review-close": (REVIEW, POST_ONLY),
    "plan-baselines": (PLAN, DEPT_READ),
    "reason-analytics": (NONE, EVERYONE),
    "plan-monthly-report": (PLAN, DEPT_READ),
    "plan-monthly-report-pdf": (PLAN, DEPT_READ),
    "review-report": (REVIEW, DEPT_READ),
    "review-report-pdf": (REVIEW, DEPT_READ),
    "action-item-list": (NONE, EVERYONE),
    "action-item-detail": (ACTION_ITEM, DEPT_READ),
    "inbox": (NONE, EVERYONE),
    "inbox-badge": (NONE, EVERYONE),
    "inbox-read-all": (NONE, POST_ONLY),
    "notification-read": (
        lambda o: {"pk": o["notification"].pk},
        _row(405, 405, 405, 405, 405, 302),
    ),
    # org
    "unit-list": (NONE, EVERYONE),
    "unit-create": (NONE, ORG_ADMIN),
    "unit-detail": (UNIT, DEPT_READ),
    "unit-scorecard": (UNIT, DEPT_READ),
    "unit-edit": (UNIT, DEPT_ADMIN),
    "unit-move": (UNIT, DEPT_ADMIN),
    "unit-archive": (UNIT, POST_ONLY),
    "membership-add": (UNIT, DEPT_ADMIN),
    "membership-delete": (MEMBERSHIP, POST_ONLY),
    "person-list": (NONE, EVERYONE),
    "person-invite": (NONE, ORG_ADMIN),
    "person-detail": (PERSON, DEPT_READ),
    "person-edit": (PERSON, _row(200, 403, 200, 403, 404, 302)),  # admins and the person
    "person-active": (PERSON, POST_ONLY),
    "org-settings": (NONE, ORG_ADMIN),
    "org-logo": (NONE, _row(404, 404, 404, 404, 404, 302)),  # no logo uploaded
    # sign-in and passwords (Django's views, our templates)
    "login": (NONE, PUBLIC),
    "logout": (NONE, _row(405, 405, 405, 405, 405, 405)),
    "password_change": (NONE, EVERYONE),
    "password_change_done": (NONE, EVERYONE),
    "password_reset": (NONE, PUBLIC),
    "password_reset_done": (NONE, PUBLIC),
    "password_reset_confirm": (lambda o: {"uidb64": "MQ", "token": "not-a-token"}, PUBLIC),
    "password_reset_complete": (NONE, PUBLIC),
    # API
    "api-root": (NONE, API_LIST),
    "api-schema": (NONE, PUBLIC),  # describes the API, holds no data
    "api-docs": (NONE, PUBLIC),
    "api-unit-list": (NONE, API_LIST),
    "api-unit-detail": (UNIT, API_DEPT_READ),
    "api-unit-move": (UNIT, API_POST_ONLY),
    "api-unit-archive": (UNIT, API_POST_ONLY),
    "api-unit-unarchive": (UNIT, API_POST_ONLY),
    "api-person-list": (NONE, API_LIST),
    "api-person-detail": (PERSON, API_DEPT_READ),
    "api-person-set-membership": (PERSON, API_POST_ONLY),
    "api-person-remove-membership": (
        lambda o: {"pk": o["person"].pk, "unit_id": o["unit"].pk},
        API_POST_ONLY,  # DELETE only
    ),
    "api-plan-list": (NONE, API_LIST),
    "api-plan-detail": (PLAN, API_DEPT_READ),
    "api-element-list": (NONE, API_LIST),
    "api-element-detail": (ELEMENT, API_DEPT_READ),
    "api-element-move": (ELEMENT, API_POST_ONLY),
    "api-milestone-list": (NONE, API_LIST),
    "api-milestone-detail": (MILESTONE, API_DEPT_READ),
    "api-indicator-list": (NONE, API_LIST),
    "api-indicator-detail": (INDICATOR, API_DEPT_READ),
    "api-period-list": (NONE, API_LIST),
    "api-period-detail": (PERIOD, API_DEPT_READ),
    "api-period-unlock": (PERIOD, API_POST_ONLY),
    "api-period-lock": (PERIOD, API_POST_ONLY),
    "api-target-list": (NONE, API_LIST),
    "api-target-detail": (TARGET, API_DEPT_READ),
    "api-measurement-list": (NONE, API_LIST),
    "api-measurement-detail": (MEASUREMENT, API_DEPT_READ),
    "api-measurement-submit": (MEASUREMENT, API_POST_ONLY),
    "api-measurement-approve": (MEASUREMENT, API_POST_ONLY),
    "api-measurement-return": (MEASUREMENT, API_POST_ONLY),
    "api-dimension-list": (NONE, API_LIST),
    "api-dimension-detail": (DIMENSION, API_LIST),  # organisation-wide, no data of a unit
    "api-progress-update-list": (NONE, API_LIST),
    "api-progress-update-detail": (UPDATE, API_DEPT_READ),
    "api-progress-update-submit": (UPDATE, API_POST_ONLY),
    "api-progress-update-accept": (UPDATE, API_POST_ONLY),
    "api-progress-update-return": (UPDATE, API_POST_ONLY),
    "api-review-list": (NONE, API_LIST),
    "api-review-detail": (REVIEW, API_DEPT_READ),
    "api-review-item": (
        lambda o: {"pk": o["review"].pk, "item_id": o["review"].items.first().pk},
        API_DEPT_READ,
    ),
    "api-review-close": (REVIEW, API_POST_ONLY),
    "api-action-item-list": (NONE, API_LIST),
    "api-action-item-detail": (ACTION_ITEM, API_DEPT_READ),
    "api-action-item-status": (ACTION_ITEM, API_POST_ONLY),
    "api-action-item-notes": (ACTION_ITEM, API_POST_ONLY),
    "api-change-list": (NONE, _row(200, 403, 403, 403, 403, 401)),
    "api-change-detail": (CHANGE, _row(200, 403, 403, 403, 403, 401)),
}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, route


def routes() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        found.setdefault(name, route)
    return found


def test_every_route_has_an_expectation() -> None:
    missing = sorted(set(routes()) - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - set(routes()))
    assert not missing, f"routes without an expected status per role: {missing}"
    assert not stale, f"expectations for routes that no longer exist: {stale}"


@pytest.fixture
def objects(cast: Cast, plan: Plan, tree: tuple[Element, Element, Element]) -> Objects:
    action = tree[2]
    milestone: Milestone = milestone_create(
        actor=cast.admin, element=action, data={"title": "Report"}
    )
    dimension = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    indicator = indicator_create(
        actor=cast.admin,
        plan=plan,
        data={"code": "1.a", "title": "Officials trained", "elements": [action]},
    )
    period = Period.objects.filter(plan=plan, frequency=indicator.frequency).first()
    assert period is not None
    (target,) = targets_set(actor=cast.admin, indicator=indicator, targets={period: 40})
    # The plan's periods (2017) are locked: open one to enter a value.
    period_unlock(
        actor=cast.admin,
        period=period,
        until=timezone.now() + datetime.timedelta(days=1),
        reason="Late census data",
    )
    measurement = measurement_save(
        actor=cast.admin, indicator=indicator, period=period, unit=cast.dept, data={"value": 12}
    )
    # The unlocked period takes progress updates too (late): the action's is submitted.
    update = update_save(
        actor=cast.contributor,
        element=action,
        period=period,
        data={"health": "on_track", "narrative": "Trainers hired."},
        submit=True,
    )
    return {
        "plan": plan,
        "element": action,
        "milestone": milestone,
        "unit": cast.dept,
        "person": cast.contributor,
        "membership": cast.contributor.memberships.get(),
        "change": Change.objects.filter(
            object_type=ContentType.objects.get_for_model(Element), object_id=action.pk
        ).first(),
        "indicator": indicator,
        "period": period,
        "target": target,
        "measurement": measurement,
        "dimension": dimension,
        "update": update,
        "objective": tree[1],
        "action_item": action_item_create(
            actor=cast.admin,
            data={"title": "Book the hall", "owner": cast.contributor, "element": action},
        ),
        "notification": Notification.objects.create(
            person=cast.contributor, kind=Notification.Kind.REMINDER, messages={"en": "Due"}
        ),
        "review": review_create(
            actor=cast.admin, plan=plan, period=period, kind=Review.Kind.QUARTERLY
        ),
    }


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_route_answers_each_role_as_expected(
    name: str, cast: Cast, objects: Objects, client_for: Any
) -> None:
    kwargs, expected = EXPECTATIONS[name]
    url = reverse(name, kwargs=kwargs(objects))
    seen: dict[str, int] = {}
    for role in ROLES:
        client = client_for(None if role == "anon" else role)
        if name.startswith("api-") and role != "anon":
            token, _ = Token.objects.get_or_create(user=cast.everyone[role])
            client.logout()
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        seen[role] = client.get(url).status_code
    assert seen == expected, f"{name} {url}"
