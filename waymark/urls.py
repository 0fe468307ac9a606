from django.contrib import admin
from django.urls import include, path

from waymark.core import views as core_views

urlpatterns = [
    path("", include("waymark.core.urls")),
    path("", include("waymark.org.urls")),
    path("", include("waymark.plans.urls")),
    path("", include("waymark.indicators.urls")),
    path("", include("waymark.reporting.urls")),
    path("", include("waymark.meetings.urls")),
    path("api/v1/", include("waymark.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
