"""API plumbing shared by every app: one JSON error shape, scoped related fields, schema.

Every error answers `{"error": {"status": 400, "code": "invalid", "message": "...",
"fields": {"target_date": ["..."]}}}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
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


def _flatten(value: Any) -> list[str]:
    """DRF error details (a string, a list, or a dict for nested fields) as a list of strings."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = _fields_from_django(exc)
        first = next(iter(fields.values()))[0]
        return _error(status.HTTP_400_BAD_REQUEST, "invalid", first, fields)
    if isinstance(exc, ConflictError):
        conflict = _error(status.HTTP_409_CONFLICT, "conflict", str(exc))
        conflict.data["error"]["current_version"] = exc.current_version
        conflict.data["error"]["changed"] = exc.changed
        return conflict
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service may say why ("You cannot approve your own submission."); keep that.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        raw = data if isinstance(data, dict) else {"non_field_errors": data}
        fields = {k: _flatten(v) for k, v in raw.items()}
        messages = next(iter(fields.values()), [])
        message = messages[0] if messages else _("Invalid input.")
        response.data = {
            "error": {
                "status": response.status_code,
                "code": "invalid",
                "message": message,
                "fields": fields,
            }
        }
        return response
    detail = data.get("detail", "") if isinstance(data, dict) else str(data)
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = {
        "error": {"status": response.status_code, "code": code, "message": str(detail)}
    }
    return response


def _error(
    status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> Response:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response({"error": body}, status=status_code)


# -- the error shape, for the schema ------------------------------------------
ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorDetail",
            {
                "status": serializers.IntegerField(help_text="The HTTP status, repeated."),
                "code": serializers.CharField(
                    help_text="invalid, not_authenticated, authentication_failed, "
                    "permission_denied, not_found, method_not_allowed, conflict, throttled, ..."
                ),
                "message": serializers.CharField(help_text="A sentence for a person to read."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="400 only: the messages per field (non_field_errors: the whole).",
                ),
                "current_version": serializers.IntegerField(
                    required=False, help_text="409 only: the version now stored."
                ),
                "changed": serializers.DictField(
                    required=False,
                    help_text="409 only: what the other writer changed, {field: {before, after}}.",
                ),
            },
        )
    },
)


# Choice sets that several fields share (health, health_override, effective_health) or whose
# field name other choice sets also use (a plan's state, an element's state) get one named
# component each, instead of the numbered names drf-spectacular would guess.
_NAMED_ENUMS: dict[frozenset[str], tuple[str, list[tuple[str, str]]]] = {}


def name_enum(choices: type[models.Choices], name: str) -> None:
    """Document every choice field offering exactly `choices` as the schema component `name`."""
    _NAMED_ENUMS[frozenset(str(v) for v in choices.values)] = (
        name,
        [(str(v), str(label)) for v, label in choices.choices],
    )


class WaymarkAutoSchema(AutoSchema):
    """Documents the one error shape on every operation, and shared choice sets by name."""

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if isinstance(field, serializers.ChoiceField) and not isinstance(
            field, serializers.MultipleChoiceField
        ):
            named = _NAMED_ENUMS.get(frozenset(k for k in field.choices if k not in ("", None)))
            if named:
                return self._named_enum(field, direction, *named)
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        return schema

    def _named_enum(
        self, field: Any, direction: Any, name: str, choices: list[tuple[str, str]]
    ) -> dict[str, Any]:
        def component(name: str, schema: dict[str, Any]) -> dict[str, Any]:
            resolved = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
            )
            self.registry.register_on_missing(resolved)
            return dict(resolved.ref)

        schema = component(
            name,
            {
                "type": "string",
                "enum": [value for value, _label in choices],
                "description": "\n".join(f"* `{v}` - {label}" for v, label in choices),
            },
        )
        if field.allow_blank:
            schema = {"oneOf": [schema, component("BlankEnum", {"enum": [""]})]}
        return append_meta(schema, self._get_serializer_field_meta(field, direction))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        if self.method in ("PUT", "PATCH") or self.path.endswith("/move/"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses


# -- related fields limited to what the requester may see ---------------------
class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object given by id, chosen among those the requester may see.

    Objects outside `scope(user)` answer "does not exist", never "forbidden", so an id
    reveals nothing. `queryset` still names the model (for the schema and the browsable API).
    """

    def __init__(self, *, scope: Callable[[Any], QuerySet[Any]], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        return self.scope(getattr(request, "user", None))
