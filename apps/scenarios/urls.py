"""URLs of scenarios. The builder and comparison pages are still to come (issue 7)."""

from django.urls import path

from apps.scenarios import views

app_name = "scenarios"
urlpatterns = [
    path("<int:pk>/status.json", views.comparison_status, name="status"),
]
