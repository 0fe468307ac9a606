from django.urls import include, path

from waymark.org import views

urlpatterns = [
    path("account/", include("django.contrib.auth.urls")),
    path("units/", views.unit_list, name="unit-list"),
    path("units/new/", views.unit_create_view, name="unit-create"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/scorecard/", views.unit_scorecard_view, name="unit-scorecard"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("units/<int:pk>/move/", views.unit_move_view, name="unit-move"),
    path("units/<int:pk>/archive/", views.unit_archive_view, name="unit-archive"),
    path("units/<int:pk>/members/add/", views.membership_add, name="membership-add"),
    path("memberships/<int:pk>/delete/", views.membership_delete, name="membership-delete"),
    path("people/", views.person_list, name="person-list"),
    path("people/invite/", views.person_invite_view, name="person-invite"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/active/", views.person_active_view, name="person-active"),
    path("settings/", views.org_settings, name="org-settings"),
    path("settings/logo/", views.org_logo, name="org-logo"),
]
