"""Twin's URL map."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.sources.urls import api_urls
from twin_web.health import healthz
from twin_web.views import home

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("live/", include("apps.live.urls")),
    path("models/", include("apps.calibration.urls")),
    path("scenarios/", include("apps.scenarios.urls")),
    path("decisions/", include("apps.decisions.urls")),
    path("network/", include("apps.network.urls")),
    path("api/", api_urls),
    path("sources/", include("apps.sources.page_urls")),
    path("imports/", include("apps.imports.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Twin administration"
admin.site.site_title = "Twin"
