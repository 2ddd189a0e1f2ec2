from django.urls import path

from . import views

app_name = "orgunits"

urlpatterns = [
    path("tim/", views.unit_search, name="search"),
]
