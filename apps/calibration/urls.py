"""URLs of the Models page."""

from django.urls import path

from apps.calibration import views

app_name = "calibration"
urlpatterns = [
    path("", views.models_page, name="models"),
    path("promises/", views.promises_page, name="promises"),
    path("<str:sub_model>/settings/", views.settings_update, name="settings"),
    path("<str:sub_model>/diff/", views.diff, name="diff"),
    path("<str:sub_model>/recalibrate/", views.recalibrate, name="recalibrate"),
]
