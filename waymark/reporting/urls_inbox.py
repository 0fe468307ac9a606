"""Routes of the inbox (included by the project's urls)."""

from django.urls import path

from waymark.reporting import inbox_views

urlpatterns = [
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/badge/", inbox_views.inbox_badge, name="inbox-badge"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", inbox_views.notification_read_view, name="notification-read"),
]
