from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the database's state when it answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return JsonResponse({"status": "ok", "database": {"vendor": connection.vendor, "state": "ok"}})
    except Exception as exc:  # pragma: no cover - exercised by stopping the database
        return JsonResponse(
            {"status": "error", "database": {"vendor": connection.vendor, "state": "unavailable", "error": exc.__class__.__name__}},
            status=503,
        )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})
