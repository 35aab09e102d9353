"""The Models page: versions, errors, thresholds (planners edit, viewers read), version
diffs and recalibration on request; server-side role checks."""

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER, VIEWER
from apps.calibration.history import Window
from apps.calibration.models import ModelSettings, ModelVersion
from apps.calibration.rounds import delta_rounds
from apps.calibration.services import calibrate
from tests.calibration.history import day, emulated_history

pytestmark = pytest.mark.slow


@pytest.fixture
def calibrated(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(0.5)))
    calibrate(sub_models=["labour"], window=Window(day(0), day(1)))
    delta_rounds(until=day(0.5))
    delta_rounds(until=day(1))


def test_viewers_see_every_sub_model_its_version_and_what_it_kept(client, role_user, calibrated):
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("calibration:models"))
    assert response.status_code == 200
    text = response.content.decode()
    for label in ("Demand", "Supply", "Logistics", "Labour", "Finance", "Customer experience"):
        assert f"<h2>{label}</h2>" in text
    assert "Version <strong>v2</strong>" in text  # labour
    assert "kept from the prior" in text and "shifts kept" in text
    assert 'data-plotly-figure="chart-labour"' in text and 'id="chart-labour"' in text
    assert "pick rate next hour" in text  # a checked figure with settled predictions
    # Viewers read thresholds but get no form, and the server refuses their posts.
    assert "Planners can change these" in text and "Save thresholds" not in text
    response = client.post(
        reverse("calibration:settings", args=["labour"]), {"labour-threshold_pct": "50"}
    )
    assert response.status_code == 403
    assert client.post(reverse("calibration:recalibrate", args=["labour"])).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, calibrated):
    response = client.get(reverse("calibration:models"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_planners_edit_thresholds_with_errors_beside_the_fields(client, role_user, calibrated):
    client.force_login(role_user(PLANNER, username="pat"))
    url = reverse("calibration:settings", args=["labour"])
    bad = client.post(
        url,
        {"labour-threshold_pct": "0", "labour-window_hours": "abc", "labour-min_predictions": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "Threshold (%): Ensure this value is greater than or equal to 1." in text
    assert "Window (h): Enter a whole number." in text
    assert ModelSettings.objects.get(sub_model="labour").threshold_pct == 10.0
    good = client.post(
        url,
        {
            "labour-threshold_pct": "12.5",
            "labour-window_hours": "12",
            "labour-min_predictions": "4",
            "labour-auto_recalibrate": "on",
        },
    )
    assert good.status_code == 200 and "Saved." in good.content.decode()
    row = ModelSettings.objects.get(sub_model="labour")
    assert (row.threshold_pct, row.window_hours, row.min_predictions, row.updated_by) == (
        12.5,
        12,
        4,
        "pat",
    )
    assert client.post(reverse("calibration:settings", args=["weather"])).status_code == 404


def test_the_diff_lists_the_parameters_that_changed(client, role_user, calibrated):
    client.force_login(role_user(VIEWER))
    url = reverse("calibration:diff", args=["labour"])
    response = client.get(url, {"a": 2, "b": 1})
    assert response.status_code == 200
    text = response.content.decode()
    assert "dcs[NE].pick_lines_per_hour" in text and "parameters differ" in text
    missing = client.get(url, {"a": 1, "b": 9})
    assert missing.status_code == 422 and "labour has no version 9." in missing.content.decode()
    same = client.get(url, {"a": 1, "b": 1})
    assert "Pick two different versions." in same.content.decode()


def test_planners_recalibrate_on_request(client, role_user, calibrated):
    client.force_login(role_user(PLANNER))
    response = client.post(reverse("calibration:recalibrate", args=["finance"]))
    assert response.status_code == 200
    assert "finance v2:" in response.content.decode()
    latest = ModelVersion.objects.filter(sub_model="finance").first()
    assert latest.number == 2 and latest.reason.startswith("manual: ")


def test_a_sub_model_with_nothing_settled_says_when_its_first_check_comes(
    client, role_user, demo_network
):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    # No empty axes: a sentence saying when the first predictions are checked.
    assert "data-plotly-figure" not in text and 'id="chart-labour"' not in text
    assert (
        'data-empty-chart="labour">No settled predictions of this version yet: the first are '
        "checked about an event-hour after it was fitted (its forecasts are of the next hour)."
    ) in text
    assert 'data-empty-chart="supply">' in text and "first event-time midnight" in text


def test_a_fits_mape_reads_as_a_percentage(client, role_user, calibrated):
    version = ModelVersion.objects.filter(sub_model="labour").latest("number")
    assert version.goodness_name.endswith("MAPE") and 0 < version.goodness_value < 1
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("calibration:models")).content.decode()
    shown = f'{version.goodness_name} <span data-field="goodness">{version.goodness_value:.1%}<'
    assert shown in text
    assert f"{version.goodness_value:.4f}" not in text
