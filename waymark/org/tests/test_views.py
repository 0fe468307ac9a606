"""Organisation pages: inviting someone by email, settings, units and people."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from waymark.core.roles import Role
from waymark.core.testing import Cast
from waymark.org.models import Organisation, Person, Unit


def test_an_invitation_arrives_by_smtp_and_its_link_sets_a_password(
    cast: Cast, client_for: Any, smtp_server: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after the commit
        response = client_for("admin").post(
            reverse("person-invite"),
            {
                "username": "saraa",
                "first_name": "Saraa",
                "email": "saraa@example.org",
                "unit": cast.dept.pk,
                "role": Role.CONTRIBUTOR,
            },
        )
    assert response.status_code == 302
    person = Person.objects.get(username="saraa")
    assert person.memberships.get().unit == cast.dept
    assert not person.has_usable_password()
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "saraa@example.org"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/account/reset/\S+)", body)
    assert link, body
    anonymous = Client()
    form_page = anonymous.get(link.group(1), follow=True)
    assert form_page.status_code == 200 and b"new_password1" in form_page.content
    done = anonymous.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "steppe-eagle-2017", "new_password2": "steppe-eagle-2017"},
    )
    assert done.status_code == 302
    assert Client().login(username="saraa", password="steppe-eagle-2017")


def test_settings_refuse_an_unknown_currency_naming_the_field(client_for: Any) -> None:
    response = client_for("admin").post(
        reverse("org-settings"),
        {
            "name": "Dornod",
            "default_currency": "XXY",
            "fiscal_year_start_month": "1",
            "time_zone": "Asia/Ulaanbaatar",
        },
    )
    assert response.status_code == 200
    assert "default_currency" in response.context["form"].errors
    assert Organisation.get().default_currency == "MNT"


def test_settings_save_and_change_the_health_words(client_for: Any, cast: Cast) -> None:
    response = client_for("admin").post(
        reverse("org-settings"),
        {
            "name": "Dornod Aimag",
            "default_currency": "usd",
            "fiscal_year_start_month": "7",
            "time_zone": "Asia/Ulaanbaatar",
            "health_on_track_label": "Good",
            "health_on_track_colour": "#00aa00",
        },
    )
    assert response.status_code == 302
    org = Organisation.get()
    assert (org.name, org.default_currency, org.fiscal_year_start_month) == (
        "Dornod Aimag",
        "USD",
        7,
    )
    assert org.health_style("on_track") == {"label": "Good", "colour": "#00aa00"}


def test_settings_show_and_save_the_reminders(client_for: Any, cast: Cast) -> None:
    client = client_for("admin")
    page = client.get(reverse("org-settings")).content.decode()
    assert "<legend>Reminders</legend>" in page
    assert 'name="reminder_days_before" value="7, 1"' in page
    response = client.post(
        reverse("org-settings"),
        {
            "name": "Dornod Aimag",
            "default_currency": "MNT",
            "fiscal_year_start_month": "1",
            "time_zone": "Asia/Ulaanbaatar",
            "reminders_enabled": "on",
            "reminder_days_before": "10, 3",
            "reminder_days_after": "2",
            "escalation_days": "5",
        },
    )
    assert response.status_code == 302
    org = Organisation.get()
    assert org.reminder_days_before == [10, 3]
    assert (org.reminders_enabled, org.remind_on_due_date) == (True, False)
    assert (org.reminder_days_after, org.escalation_days) == (2, 5)
    refused = client.post(
        reverse("org-settings"),
        {
            "name": "Dornod Aimag",
            "default_currency": "MNT",
            "fiscal_year_start_month": "1",
            "time_zone": "Asia/Ulaanbaatar",
            "reminder_days_before": "a week",
            "version": org.version,
        },
    )
    assert refused.status_code == 200
    assert "reminder_days_before" in refused.context["form"].errors


def test_a_unit_cannot_be_moved_under_its_own_sub_unit(cast: Cast, client_for: Any) -> None:
    client = client_for("admin")
    client.post(
        reverse("unit-create") + f"?parent={cast.dept.pk}",
        {"name": "Training Division", "parent": cast.dept.pk},
    )
    division = Unit.objects.get(name="Training Division")
    assert division.parent == cast.dept
    response = client.post(
        reverse("unit-move", args=[cast.dept.pk]),
        {"parent": division.pk, "version": cast.dept.version},
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    cast.dept.refresh_from_db()
    assert cast.dept.parent == cast.root


def test_a_viewer_sees_colleagues_but_not_people_of_other_units(
    cast: Cast, client_for: Any
) -> None:
    html = client_for("viewer").get(reverse("person-list")).content.decode()
    assert cast.contributor.name in html
    assert cast.outsider.name not in html


def test_sign_in_page_signs_in(cast: Cast) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": "viewer", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_forgotten_password_is_reset_through_a_link_sent_by_smtp(
    cast: Cast, smtp_server: list[Any]
) -> None:
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "viewer@example.org"})
    assert response.status_code == 302
    assert len(smtp_server) == 1 and smtp_server[0]["To"] == "viewer@example.org"
    body = smtp_server[0].get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/account/reset/\S+)", body)
    assert link, body
    form_page = client.get(link.group(1), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "khan-uul-2017-x", "new_password2": "khan-uul-2017-x"},
    )
    assert done.status_code == 302
    assert Client().login(username="viewer", password="khan-uul-2017-x")


def test_a_deactivated_person_cannot_sign_in(cast: Cast, client_for: Any) -> None:
    response = client_for("admin").post(reverse("person-active", args=[cast.viewer.pk]))
    assert response.status_code == 302
    cast.viewer.refresh_from_db()
    assert not cast.viewer.is_active
    assert not Client().login(username="viewer", password="correct-horse-battery-staple")
