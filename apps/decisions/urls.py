"""URLs of decisions."""

from django.urls import path

from apps.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.decisions, name="list"),
    path("audit/", views.audit_log_page, name="audit"),
    path("recommend/<int:comparison_pk>/", views.recommend, name="recommend"),
    path("<int:pk>/", views.decision_detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/take-over/", views.take_over, name="take-over"),
    path("<int:pk>/clone/", views.clone, name="clone"),
    path("<int:pk>/memo/", views.memo, name="memo"),
    path("<int:pk>/audit.json", views.audit_json, name="audit-json"),
]
