from django.urls import path

from waymark.indicators import views

urlpatterns = [
    path("plans/<int:pk>/indicators/", views.indicator_list, name="indicator-list"),
    path("plans/<int:pk>/indicators/new/", views.indicator_create_view, name="indicator-create"),
    path("plans/<int:pk>/periods/", views.plan_periods, name="plan-indicators-periods"),
    path("plans/<int:pk>/iptt/", views.plan_iptt, name="plan-iptt"),
    path("plans/<int:pk>/iptt.xlsx", views.plan_iptt_xlsx, name="plan-iptt-xlsx"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator-detail"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("indicators/<int:pk>/delete/", views.indicator_delete_view, name="indicator-delete"),
    path("indicators/<int:pk>/targets/", views.indicator_targets, name="indicator-targets"),
    path(
        "indicators/<int:pk>/data/<int:period_pk>/<int:unit_pk>/",
        views.measurement_entry,
        name="measurement-entry",
    ),
    path("measurements/<int:pk>/", views.measurement_detail, name="measurement-detail"),
    path(
        "measurements/<int:pk>/evidence/", views.measurement_evidence, name="measurement-evidence"
    ),
    path(
        "measurements/<int:pk>/approve/", views.measurement_approve_view, name="measurement-approve"
    ),
    path("measurements/<int:pk>/return/", views.measurement_return_view, name="measurement-return"),
    path("periods/<int:pk>/unlock/", views.period_unlock_view, name="period-unlock"),
    path("periods/<int:pk>/lock/", views.period_lock_view, name="period-lock"),
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/template.xlsx", views.my_data_template, name="my-data-template"),
    path("my-data/upload/", views.my_data_upload, name="my-data-upload"),
    path("review/", views.review_list, name="data-review"),
]
