"""Routes of the action item tracker (meetings will join them)."""

from django.urls import path

from waymark.meetings import views

urlpatterns = [
    path("action-items/", views.action_item_list, name="action-item-list"),
    path("action-items/<int:pk>/", views.action_item_detail, name="action-item-detail"),
]
