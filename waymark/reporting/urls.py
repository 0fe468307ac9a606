"""Pages of the reporting cycle. Each topic keeps its routes beside its views."""

from django.urls import path

from waymark.reporting import urls_inbox, urls_reports, urls_reviews, views

urlpatterns = [
    path("my-updates/", views.my_updates, name="my-updates"),
    path("updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("updates/<int:pk>/accept/", views.update_accept_view, name="update-accept"),
    path("updates/<int:pk>/return/", views.update_return_view, name="update-return"),
    path(
        "elements/<int:pk>/updates/<int:period_pk>/",
        views.update_entry,
        name="update-entry",
    ),
    path("plans/<int:pk>/schedule/", views.plan_schedule, name="plan-schedule"),
    path("plans/<int:pk>/board/", views.plan_board, name="plan-board"),
    *urls_reviews.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_inbox.urlpatterns,
]
