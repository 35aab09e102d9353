"""URLs of the Sources pages (the API's are in urls.py)."""

from django.urls import path

from apps.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.status, name="status"),
    path("retry", views.retry, name="retry"),
    path("quarantine/retry", views.quarantine_retry, name="quarantine_retry"),
]
