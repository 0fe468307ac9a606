"""API plumbing shared by every app: one JSON error shape, permission classes, base viewset.

Every error answers `{"error": {"status": 400, "code": "invalid", "message": "...",
"fields": {"target_date": ["..."]}}}`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from waymark.core.exceptions import ConflictError


def _fields_from_django(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = _fields_from_django(exc)
        first = next(iter(fields.values()))[0]
        return _error(status.HTTP_400_BAD_REQUEST, "invalid", first, fields)
    if isinstance(exc, ConflictError):
        response = _error(status.HTTP_409_CONFLICT, "conflict", str(exc))
        response.data["error"]["current_version"] = exc.current_version
        response.data["error"]["changed"] = exc.changed
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
        first = next(iter(fields.values()), [_("Invalid input.")])
        message = first[0] if first else _("Invalid input.")
        response.data = {"error": {"status": response.status_code, "code": "invalid", "message": message, "fields": fields}}
        return response
    detail = data.get("detail", "") if isinstance(data, dict) else str(data)
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = {"error": {"status": response.status_code, "code": code, "message": str(detail)}}
    return response


def _error(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response({"error": body}, status=status_code)
