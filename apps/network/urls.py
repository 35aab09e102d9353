"""URLs of the network pages."""

from django.urls import path

from apps.network import views

app_name = "network"
urlpatterns = [path("", views.overview, name="overview")]
