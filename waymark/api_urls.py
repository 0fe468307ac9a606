"""/api/v1/: the REST API's resources, its OpenAPI schema and browsable docs.

Route names carry an `api-` prefix (api-element-list, api-element-detail) so they never clash
with the pages' names.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from waymark.core.api_views import ChangeViewSet
from waymark.indicators.api.views import (
    DimensionViewSet,
    IndicatorViewSet,
    MeasurementViewSet,
    PeriodViewSet,
    TargetViewSet,
)
from waymark.meetings.api.views import ActionItemViewSet
from waymark.org.api.views import PersonViewSet, UnitViewSet
from waymark.plans.api.views import ElementViewSet, MilestoneViewSet, PlanViewSet
from waymark.reporting.api.views import ProgressUpdateViewSet, ReviewViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="api-unit")
router.register("people", PersonViewSet, basename="api-person")
router.register("plans", PlanViewSet, basename="api-plan")
router.register("elements", ElementViewSet, basename="api-element")
router.register("milestones", MilestoneViewSet, basename="api-milestone")
router.register("indicators", IndicatorViewSet, basename="api-indicator")
router.register("periods", PeriodViewSet, basename="api-period")
router.register("targets", TargetViewSet, basename="api-target")
router.register("measurements", MeasurementViewSet, basename="api-measurement")
router.register("dimensions", DimensionViewSet, basename="api-dimension")
router.register("progress-updates", ProgressUpdateViewSet, basename="api-progress-update")
router.register("reviews", ReviewViewSet, basename="api-review")
router.register("action-items", ActionItemViewSet, basename="api-action-item")
router.register("changes", ChangeViewSet, basename="api-change")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
