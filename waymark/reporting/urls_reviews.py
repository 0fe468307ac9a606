"""Routes of reviews (mid-month evaluations, quarterly reviews) and baselines."""

from django.urls import path

from waymark.reporting import review_views

urlpatterns = [
    path("plans/<int:pk>/reviews/", review_views.review_list, name="review-list"),
    path("plans/<int:pk>/reviews/new/", review_views.review_create_view, name="review-create"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review-detail"),
    path(
        "reviews/<int:pk>/items/<int:item_pk>/",
        review_views.review_item_view,
        name="review-item",
    ),
    path("reviews/<int:pk>/close/", review_views.review_close_view, name="review-close"),
    path("plans/<int:pk>/baselines/", review_views.plan_baselines, name="plan-baselines"),
]
