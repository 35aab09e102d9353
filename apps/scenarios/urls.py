"""URLs of scenarios: the comparisons list, a comparison, and its status as JSON."""

from django.urls import path

from apps.scenarios import views

app_name = "scenarios"
urlpatterns = [
    path("", views.comparison_list, name="list"),
    path("<int:pk>/", views.comparison_detail, name="detail"),
    path("<int:pk>/ranking/", views.comparison_ranking, name="ranking"),
    path("<int:pk>/cancel/", views.comparison_stop, name="cancel"),
    path("<int:pk>/status.json", views.comparison_status, name="status"),
]
