"""URLs of the import pages: upload a history's files, map their columns, preview the events
and the master data they yield, import with progress, and the runs' results."""

from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("uploads/<slug:key>/mapping/", views.mapping, name="mapping"),
    path("uploads/<slug:key>/preview/", views.preview, name="preview"),
    path("uploads/<slug:key>/master-data/", views.master_data, name="master-data"),
    path("uploads/<slug:key>/import/", views.start, name="start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
]
