"""URLs of scenarios: the comparisons, the builder of drafts, a comparison's results, status
and exports."""

from django.urls import path, re_path

from apps.scenarios import builder_views, views

app_name = "scenarios"
urlpatterns = [
    path("", views.comparison_list, name="list"),
    path("new/", builder_views.comparison_new, name="new"),
    path("suggest/", builder_views.suggest, name="suggest"),
    path("<int:pk>/", views.comparison_detail, name="detail"),
    path("<int:pk>/ranking/", views.comparison_ranking, name="ranking"),
    path("<int:pk>/cancel/", views.comparison_stop, name="cancel"),
    path("<int:pk>/status.json", views.comparison_status, name="status"),
    path("<int:pk>/backtest/", views.comparison_backtest, name="backtest"),
    re_path(r"^(?P<pk>\d+)/export\.(?P<fmt>csv|xlsx)$", views.comparison_export, name="export"),
    path("<int:pk>/clone/", builder_views.comparison_copy, name="clone"),
    path("<int:pk>/edit/", builder_views.builder, name="edit"),
    path("<int:pk>/edit/settings/", builder_views.builder_settings, name="edit-settings"),
    path("<int:pk>/edit/scenarios/", builder_views.builder_scenario_add, name="scenario-add"),
    path(
        "<int:pk>/edit/scenarios/<int:scenario_pk>/remove/",
        builder_views.builder_scenario_remove,
        name="scenario-remove",
    ),
    path(
        "<int:pk>/edit/scenarios/<int:scenario_pk>/palette/",
        builder_views.builder_palette,
        name="palette",
    ),
    path(
        "<int:pk>/edit/scenarios/<int:scenario_pk>/check/",
        builder_views.builder_check,
        name="intervention-check",
    ),
    path(
        "<int:pk>/edit/scenarios/<int:scenario_pk>/interventions/",
        builder_views.builder_intervention_add,
        name="intervention-add",
    ),
    path(
        "<int:pk>/edit/scenarios/<int:scenario_pk>/interventions/<int:index>/remove/",
        builder_views.builder_intervention_remove,
        name="intervention-remove",
    ),
    path("<int:pk>/submit/", builder_views.builder_submit, name="submit"),
    path("<int:pk>/discard/", builder_views.draft_discard, name="discard"),
    path("<int:pk>/take-over/", builder_views.take_over, name="take-over"),
]
