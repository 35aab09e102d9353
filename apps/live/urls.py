"""URLs of the live pages."""

from django.urls import path

from apps.live import views

app_name = "live"
urlpatterns = [
    path("", views.network, name="network"),
    path("dc/<str:code>/", views.dc_detail, name="dc"),
]
