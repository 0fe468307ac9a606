"""Core pages and the request plumbing."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from waymark.core.testing import Cast
from waymark.org.services import organisation_update


def test_healthz_reports_the_database(client: Any, db: None) -> None:
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok" and body["database"]["state"] == "ok"


def test_every_response_carries_a_request_id_that_the_change_log_keeps(
    cast: Cast, client_for: Any
) -> None:
    from waymark.core.models import Change

    client = client_for("admin")
    response = client.post(
        reverse("unit-create") + f"?parent={cast.dept.pk}",
        {"name": "Archives", "parent": cast.dept.pk},
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response["X-Request-ID"] == "req-42"
    assert Change.objects.filter(object_repr="Archives").get().request_id == "req-42"


def test_requests_run_in_the_organisations_time_zone(cast: Cast) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from waymark.core.middleware import OrganisationMiddleware

    organisation_update(actor=cast.admin, data={"time_zone": "Pacific/Kiritimati"})  # UTC+14
    seen: list[str] = []

    def view(request: Any) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    OrganisationMiddleware(view)(RequestFactory().get("/"))
    assert seen == ["Pacific/Kiritimati"]
    assert timezone.get_current_timezone_name() != "Pacific/Kiritimati"  # reset afterwards


def test_the_django_admin_is_for_superusers_only(cast: Cast, client_for: Any) -> None:
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    assert client_for("admin").get("/admin/plans/element/").status_code == 200
    assert client_for("admin").get("/admin/core/change/").status_code == 200
    for name in ("manager", "contributor", "viewer", "outsider"):
        response = client_for(name).get("/admin/plans/element/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
