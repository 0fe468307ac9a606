from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from waymark.plans.models import Element, Milestone, Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner_unit", "start_date", "end_date", "state", "deleted_at"]
    list_filter = ["kind", "state"]
    search_fields = ["title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Plan.all_objects.all()


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "plan", "state", "responsible_unit", "deleted_at"]
    list_filter = ["plan", "state"]
    search_fields = ["title", "code"]
    readonly_fields = ["code", "depth", "sort_key", "position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Element.all_objects.select_related("plan", "responsible_unit")


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "element", "due_date", "done_date", "deleted_at"]
