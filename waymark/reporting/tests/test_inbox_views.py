"""The inbox page: a person's own notifications, newest first, unread in bold; marking read."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import include, path, reverse

from waymark.core.testing import Cast
from waymark.org.models import Person
from waymark.reporting.inbox import unread_count
from waymark.reporting.models import Notification
from waymark.reporting.notify import notify

# The project's routes and the inbox's (the project includes them; this works either way).
urlpatterns = [
    path("", include("waymark.reporting.urls_inbox")),
    path("", include("waymark.urls")),
]
pytestmark = pytest.mark.urls(__name__)

ClientFor = Callable[[str | None], Client]


def tell(person: Person, text: str, **extra: Any) -> Notification:
    return notify(
        person=person,
        kind=extra.pop("kind", Notification.Kind.REMINDER),
        text=lambda: text,
        url=extra.pop("url", "/my-work/"),
        **extra,
    )


def test_it_lists_my_notifications_newest_first_unread_in_bold(
    cast: Cast, client_for: ClientFor
) -> None:
    old = tell(
        cast.contributor,
        "Progress update on 1.1.1 for 2017-Q1: due in 7 days.",
        due_date=datetime.date(2017, 4, 5),
    )
    new = tell(cast.contributor, "Data for 1.a, 2017-Q1, GAD: due today.", kind="overdue")
    tell(cast.manager, "Not for the contributor")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    page = client_for("contributor").get(reverse("inbox"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not for the contributor" not in html
    assert html.index("Data for 1.a") < html.index("Progress update on 1.1.1")  # newest first
    assert '<strong><a href="/my-work/">Data for 1.a, 2017-Q1, GAD: due today.</a></strong>' in html
    assert '<a href="/my-work/">Progress update on 1.1.1 for 2017-Q1: due in 7 days.</a>' in html
    assert "1 unread notification" in html
    assert ">New<" in html and ">Read<" in html  # a word, not only bold
    assert 'datetime="2017-04-05"' in html
    assert f'action="{reverse("notification-read", args=[new.pk])}"' in html
    assert f'action="{reverse("notification-read", args=[old.pk])}"' not in html


def test_an_empty_inbox_says_what_will_appear_there(cast: Cast, client_for: ClientFor) -> None:
    html = client_for("viewer").get(reverse("inbox")).content.decode()
    assert "No notifications yet" in html
    assert "Mark all as read" not in html


def test_it_shows_the_message_in_the_readers_language(cast: Cast, client_for: ClientFor) -> None:
    Notification.objects.create(
        person=cast.contributor,
        kind="reminder",
        messages={"en": "Due in 7 days", "mn": "7 хоногийн дараа"},
    )
    client = client_for("contributor")
    assert "Due in 7 days" in client.get(reverse("inbox")).content.decode()
    client.cookies["django_language"] = "mn"
    assert "7 хоногийн дараа" in client.get(reverse("inbox")).content.decode()


def test_marking_one_read_goes_back_to_the_page(cast: Cast, client_for: ClientFor) -> None:
    mine = tell(cast.contributor, "Due in 7 days")
    response = client_for("contributor").post(
        reverse("notification-read", args=[mine.pk]), {"next": reverse("inbox") + "?page=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/?page=1"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert unread_count(cast.contributor) == 0


def test_marking_read_never_leaves_the_site(cast: Cast, client_for: ClientFor) -> None:
    mine = tell(cast.contributor, "Due in 7 days")
    response = client_for("contributor").post(
        reverse("notification-read", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("inbox")


def test_somebody_elses_notification_does_not_exist(cast: Cast, client_for: ClientFor) -> None:
    theirs = tell(cast.manager, "For the manager")
    for who in ("contributor", "admin", "viewer", "outsider"):
        response = client_for(who).post(reverse("notification-read", args=[theirs.pk]))
        assert response.status_code == 404, who
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine(cast: Cast, client_for: ClientFor) -> None:
    for n in range(3):
        tell(cast.contributor, f"Reminder {n}")
    tell(cast.manager, "For the manager")
    response = client_for("contributor").post(reverse("inbox-read-all"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert unread_count(cast.contributor) == 0
    assert unread_count(cast.manager) == 1


@pytest.mark.parametrize(
    ("who", "inbox", "read", "read_all"),
    [
        ("admin", 200, 404, 302),
        ("manager", 200, 302, 302),
        ("contributor", 200, 404, 302),
        ("viewer", 200, 404, 302),
        ("outsider", 200, 404, 302),
        (None, 302, 302, 302),  # anonymous: to the sign-in page
    ],
)
def test_who_may_open_what(
    cast: Cast, client_for: ClientFor, who: str | None, inbox: int, read: int, read_all: int
) -> None:
    managers = tell(cast.manager, "For the manager")
    client = client_for(who)
    assert client.get(reverse("inbox")).status_code == inbox
    assert client.post(reverse("notification-read", args=[managers.pk])).status_code == read
    assert client.post(reverse("inbox-read-all")).status_code == read_all
    if who is None:
        assert "/account/login/" in client.get(reverse("inbox"))["Location"]


def test_reading_needs_a_post(cast: Cast, client_for: ClientFor) -> None:
    mine = tell(cast.contributor, "Due")
    client = client_for("contributor")
    assert client.get(reverse("notification-read", args=[mine.pk])).status_code == 405
    assert client.get(reverse("inbox-read-all")).status_code == 405


@pytest.mark.parametrize("count", [1, 60])
def test_the_inbox_takes_the_same_queries_for_1_or_60_notifications(
    cast: Cast, client_for: ClientFor, count: int, django_assert_num_queries: Any
) -> None:
    for n in range(count):
        tell(cast.contributor, f"Reminder {n}")
    client = client_for("contributor")
    client.get(reverse("inbox"))  # warm the content types and the session
    with django_assert_num_queries(7):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200


def test_unread_count_is_one_query(cast: Cast, django_assert_num_queries: Any) -> None:
    tell(cast.contributor, "One")
    tell(cast.contributor, "Two")
    with django_assert_num_queries(1):
        assert unread_count(cast.contributor) == 2
    with django_assert_num_queries(0):
        assert unread_count(None) == 0
