from django.urls import path

from waymark.core import views

urlpatterns = [
    path("", views.home, name="home"),
]
