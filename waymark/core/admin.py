from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from waymark.core.models import Change


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The change log is read-only, here as everywhere."""

    list_display = ["time", "actor_name", "action", "object_type", "object_repr", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_name", "request_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
