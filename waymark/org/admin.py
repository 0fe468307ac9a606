"""Django's admin, for superusers only: a back door for repairs, not the main interface.

Edits made here bypass the services (and so the change log); the pages and API are the way in.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from waymark.org.models import Membership, Organisation, Person, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Person)
class PersonAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "path", "archived_at"]
    search_fields = ["name", "short_name"]
    readonly_fields = ["path", "depth", "archived_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "default_currency", "time_zone"]
