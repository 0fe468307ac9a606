from django.urls import path

from waymark.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("my-work/", views.my_work, name="my-work"),
    path("changes/", views.change_list, name="change-list"),
    path("trash/", views.trash, name="trash"),
    path("trash/<str:kind>/<int:pk>/restore/", views.trash_restore, name="trash-restore"),
]
