"""What a walkthrough as an attacker found after the hardening: out-of-range query values
that reached the database (500s), an infinite ranking weight, a run cancelled without a
name, and a credential written to the log. Each answers clearly now."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.scenarios.models import Comparison
from tests.scenarios.builders import known_comparison

BIGINT_PAST = str(2**63)


@pytest.fixture
def viewer_client(client, role_user):
    client.force_login(role_user("viewer"))
    return client


@pytest.mark.django_db
def test_the_audit_log_takes_the_calendar_s_last_day_and_too_large_a_decision_number(
    viewer_client,
):
    page = viewer_client.get(reverse("decisions:audit"), {"until": "9999-12-31"})
    assert page.status_code == 200
    page = viewer_client.get(reverse("decisions:audit"), {"decision": BIGINT_PAST})
    assert page.status_code == 200
    assert "less than or equal to" in page.content.decode()


@pytest.mark.django_db
def test_a_version_number_past_the_column_s_range_is_no_version(viewer_client):
    response = viewer_client.get(
        reverse("calibration:diff", args=["demand"]), {"a": BIGINT_PAST, "b": "1"}
    )
    assert response.status_code == 422
    assert "Pick two versions." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["1e400", "inf", "nan", "1001"])
def test_a_weight_that_is_not_a_finite_number_up_to_the_cap_is_refused(client, role_user, weight):
    comparison = known_comparison()
    client.force_login(role_user("planner"))
    ranking = client.get(
        reverse("scenarios:ranking", args=[comparison.pk]), {"network.otif": weight}
    )
    assert ranking.status_code == 422
    assert "at most 1000" in ranking.content.decode() or "not a number" in ranking.content.decode()
    recommend = client.post(
        reverse("decisions:recommend", args=[comparison.pk]),
        {"network.otif": weight, "reason": "testing the weights"},
        follow=True,
    )
    assert recommend.redirect_chain[-1][0] == reverse("scenarios:detail", args=[comparison.pk])
    assert "Not recommended:" in recommend.content.decode()
    assert not comparison.decisions.exists()


@pytest.mark.django_db
def test_a_run_cancelled_by_another_planner_says_who_cancelled_it(client, role_user):
    comparison = known_comparison()
    comparison.status = Comparison.Status.RUNNING
    comparison.save()
    client.force_login(role_user("planner", username="someone-else"))
    response = client.post(reverse("scenarios:cancel", args=[comparison.pk]))
    assert response.status_code == 200
    comparison.refresh_from_db()
    assert comparison.status == Comparison.Status.CANCELLED
    assert comparison.error == "Cancelled by someone-else."
    assert "Cancelled by someone-else." in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=True)
@pytest.mark.parametrize("header", ["Token s3cr3t-source-token", "Basic czNjcjN0OnB3"])
def test_a_credential_sent_in_another_scheme_is_refused_and_never_logged(client, caplog, header):
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/events", data="[]", content_type="application/json", HTTP_AUTHORIZATION=header
        )
    assert response.status_code == 401
    secret = header.split(" ")[1]
    assert secret not in caplog.text
