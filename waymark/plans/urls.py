from django.urls import path

from waymark.plans import views

urlpatterns = [
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create_view, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/copy/", views.plan_copy_view, name="plan-copy"),
    path("plans/<int:pk>/delete/", views.plan_delete_view, name="plan-delete"),
    path("plans/<int:pk>/grid/", views.plan_grid, name="plan-grid"),
    path("plans/<int:pk>/elements/new/", views.element_create_view, name="element-create"),
    path("elements/<int:pk>/", views.element_detail, name="element-detail"),
    path("elements/<int:pk>/edit/", views.element_edit, name="element-edit"),
    path("elements/<int:pk>/move/", views.element_move_view, name="element-move"),
    path("elements/<int:pk>/delete/", views.element_delete_view, name="element-delete"),
    path("elements/<int:pk>/cell/<str:field>/", views.element_cell, name="element-cell"),
    path("elements/<int:pk>/milestones/new/", views.milestone_create_view, name="milestone-create"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("milestones/<int:pk>/delete/", views.milestone_delete_view, name="milestone-delete"),
]
