"""Comparison pages: the list, progress, the ranked results with intervals and charts,
re-weighting without a re-run, and cancel (planners only, checked on the server)."""

import csv
import io
import json
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import PLANNER, VIEWER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.kpis import kpi_column, kpi_export_value
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.run_selectors import comparison_results
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import comparison_create, comparison_freeze, comparison_run_here
from apps.simulation.statistics import Kpi, rank_scenarios
from tests.calibration.history import day, emulated_history
from tests.scenarios.builders import known_comparison
from tests.scenarios.test_runs import spec

pytestmark = pytest.mark.slow


@pytest.fixture
def finished(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    return comparison_run_here(comparison_create(spec=spec()))


def test_viewers_see_the_list_and_the_ranked_results(client, role_user, finished):
    client.force_login(role_user(VIEWER))
    listing = client.get(reverse("scenarios:list")).content.decode()
    assert "Rebalance NE" in listing and reverse("scenarios:detail", args=[finished.pk]) in listing
    page = client.get(reverse("scenarios:detail", args=[finished.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "9 of 9 replications done" in text
    # Interventions in plain language.
    assert "Serve 30% of NE&#x27;s orders from SE" in text
    assert (
        "Route orders for MAT, NEN shipped from a DC other than their home DC through "
        "cross-dock XD1" in text
    )
    # The cross-dock's dwell and fee are said to be master data's, with what was drawn.
    assert "Assumed from master data, not the history" in text
    assert "Cross-dock XD1: median dwell: 6 h stated (3.3–10.8)" in text
    for name in ("Baseline", "Shift 30% NE to SE", "Shift 30% via cross-dock"):
        assert name in text
    assert 'id="chart-utilisation"' in text and 'id="chart-trade-off"' in text
    assert "Δ" in text and "Cancel the run" not in text


def test_re_weighting_re_ranks_the_stored_replications(client, role_user, finished):
    client.force_login(role_user(VIEWER))
    runs_before = ReplicationRun.objects.count()
    url = reverse("scenarios:ranking", args=[finished.pk])
    by_cost = client.get(url, {"network.total_cost_usd": "1"}).content.decode()
    by_gap = client.get(url, {"network.utilisation_gap": "1"})
    assert by_gap.status_code == 200 and "Ranking" in by_cost
    assert ReplicationRun.objects.count() == runs_before  # nothing was re-run
    # The order changed, and each is the stored replications' ranking under its weights.
    stored = comparison_results(finished, hourly=False)
    cost_order, gap_order = _table_order(by_cost), _table_order(by_gap.content.decode())
    assert cost_order != gap_order
    for order, kpi in ((cost_order, Kpi.TOTAL_COST_USD), (gap_order, Kpi.UTILISATION_GAP)):
        ranked = rank_scenarios(stored, {kpi: 1.0}, baseline="Baseline").scenarios
        assert order == [r.name for r in ranked]
    bad = client.get(url, {"network.otif": "lots"})
    assert (
        bad.status_code == 422 and "OTIF: &#x27;lots&#x27; is not a number" in bad.content.decode()
    )
    none = client.get(url, {"network.otif": "0"})
    assert none.status_code == 422
    assert "give at least one KPI a positive weight" in none.content.decode()


def _table_order(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>\d+</td>\s*<td>([^<]+?)\s*(?:<|$)", html)


def test_re_weighting_re_ranks_a_known_case_at_once(client, role_user, db):
    comparison = known_comparison()
    client.force_login(role_user(VIEWER))
    url = reverse("scenarios:ranking", args=[comparison.pk])
    by_cost = client.get(url, {"network.total_cost_usd": "1"}).content.decode()
    assert _table_order(by_cost) == ["Cheaper", "Baseline", "Rebalance"]
    by_balance = client.get(url, {"network.utilisation_gap": "1"}).content.decode()
    assert _table_order(by_balance) == ["Rebalance", "Baseline", "Cheaper"]
    # The gap closes by 31 points, at 5 cents more an order: both beside the baseline, coloured.
    assert re.search(r'class="small better"[^>]*>Δ −31\.0 pts<', by_balance), by_balance
    assert re.search(r'class="small worse"[^>]*>Δ \+\$0\.05<', by_balance)
    assert "NE utilisation 94→78%; SE utilisation 62→79%" in by_balance


def test_only_planners_cancel_a_running_comparison(client, role_user, demo_network):
    emulated_history(days=0.5)
    comparison = comparison_create(spec=spec())
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.save()
    url = reverse("scenarios:cancel", args=[comparison.pk])
    client.force_login(role_user(VIEWER))
    page = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert "0 of 9 replications done" in page and "Cancel the run" not in page
    assert client.post(url).status_code == 403
    client.force_login(role_user(PLANNER))
    detail = reverse("scenarios:detail", args=[comparison.pk])
    assert "Cancel the run" in client.get(detail).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "Cancelled" in response.content.decode()
    again = client.post(url)
    assert again.status_code == 409 and "only a running comparison" in again.content.decode()


def test_results_show_distributions_hourly_lines_and_trade_offs(client, role_user, finished):
    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[finished.pk])).content.decode()
    for chart in ("chart-cycle-time", "chart-otif", "chart-hourly"):
        assert f'id="{chart}"' in text
    # Moving 30% of NE's volume clearly cools NE: the summary says it in numbers.
    summary = re.search(r'data-summary="Shift 30% NE to SE">([^<]*)<', text).group(1)
    assert re.search(r"NE utilisation \d+→\d+%", summary), summary
    assert 'data-summary="Baseline"' not in text
    # By default the hourly lines are the baseline's and the top-ranked scenario's; the
    # planner picks others without a re-run.
    url = reverse("scenarios:ranking", args=[finished.pk])
    picked = client.get(url, {"show": ["Shift 30% via cross-dock"]}).content.decode()
    figure = json.loads(re.search(r'id="chart-hourly"[^>]*>(.*?)</script>', picked).group(1))
    assert {trace["name"] for trace in figure["data"]} == {"Shift 30% via cross-dock"}
    assert len(figure["data"]) == 4  # one panel per DC


def test_a_finished_comparison_exports_to_csv_and_xlsx(client, role_user, finished):
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("scenarios:export", args=[finished.pk, "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    day = timezone.localdate(finished.finished_at).isoformat()
    assert f'filename="rebalance-ne-{day}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    document = comparison_document(finished)
    expected = {
        (row.name, kpi_column(kpi)): kpi_export_value(kpi, value.mean)
        for row in document.ranking.scenarios
        for kpi, value in row.kpis.items()
    }
    assert {(r["Scenario"], r["KPI"]): float(r["Mean"]) for r in rows} == pytest.approx(expected)
    baseline_otif = next(r for r in rows if r["Scenario"] == "Baseline" and r["KPI"] == "OTIF (%)")
    # The baseline has no difference from itself.
    assert baseline_otif["Difference from baseline"] == ""

    xlsx = client.get(reverse("scenarios:export", args=[finished.pk, "xlsx"]))
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Ranking", "KPIs", "Scenarios", "Replications", "Settings"]
    ranking = list(book["Ranking"].values)
    assert ranking[0][:3] == ("Rank", "Scenario", "Score (0–1)") and len(ranking) == 4
    assert len(list(book["Replications"].values)) == 1 + 9
    assert client.get(f"/scenarios/{finished.pk}/export.pdf").status_code == 404


def test_a_comparison_not_done_has_no_export(client, role_user, demo_network):
    comparison = comparison_create(spec=spec())
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("scenarios:export", args=[comparison.pk, "csv"]))
    assert response.status_code == 404
