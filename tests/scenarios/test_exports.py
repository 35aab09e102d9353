"""Exports read as a person expects: headings in words with units, shares as percentages,
empty cells where there is no figure, and a file named after the comparison and its day."""

import csv
import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from django.urls import reverse

from apps.accounts.roles import VIEWER
from apps.scenarios.exports import KPI_COLUMNS, export_filename
from apps.scenarios.kpis import kpi_column, kpi_export_value
from apps.scenarios.models import Comparison
from tests.scenarios.builders import known_comparison

FINISHED = datetime(2026, 11, 4, 15, 30, tzinfo=UTC)
# A KPI's code ("network.otif", "dc.NE.labour_utilisation"): never shown to a person.
CODE = re.compile(r"\b(network|dc|region|lane)\.[\w.-]+")


@pytest.fixture
def known(db) -> Comparison:
    comparison = known_comparison()
    comparison.name = "Relieve NE: cheaper or balanced?"
    comparison.finished_at = FINISHED
    comparison.versions = {"labour": 3}
    comparison.save()
    return comparison


@pytest.fixture
def viewer_client(client, role_user):
    client.force_login(role_user(VIEWER))
    return client


def export(client, comparison: Comparison, fmt: str):
    response = client.get(reverse("scenarios:export", args=[comparison.pk, fmt]))
    assert response.status_code == 200
    return response


def test_the_csv_has_words_units_percentages_and_empty_cells(viewer_client, known):
    response = export(viewer_client, known, "csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="relieve-ne-cheaper-or-balanced-2026-11-04.csv"'
    )
    text = response.content.decode("utf-8-sig")  # a byte order mark, for Excel
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == KPI_COLUMNS
    cell = {(r["Scenario"], r["KPI"]): r for r in rows}
    otif = cell[("Baseline", "OTIF (%)")]
    assert float(otif["Mean"]) == pytest.approx(90.0)  # 0.9 of orders, as a percentage
    # The baseline has no difference from itself: empty cells, not "None" or "nan".
    assert otif["Difference from baseline"] == otif["Difference 95% CI low"] == ""
    assert float(cell[("Baseline", "Total cost (USD)")]["Mean"]) == pytest.approx(100.0)
    gap = cell[("Rebalance", "Utilisation gap (busiest − idlest DC; % points)")]
    assert float(gap["Mean"]) == pytest.approx(1.0)  # |78 − 79| points
    assert float(gap["Difference from baseline"]) == pytest.approx(1 - 32)
    assert float(cell[("Rebalance", "NE labour utilisation (%)")]["Mean"]) == pytest.approx(78)
    assert not CODE.search(text) and "None" not in text and "nan" not in text.lower()


def test_the_xlsx_has_words_units_percentages_and_empty_cells(viewer_client, known):
    response = export(viewer_client, known, "xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="relieve-ne-cheaper-or-balanced-2026-11-04.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Ranking", "KPIs", "Scenarios", "Replications", "Settings"]
    sheets = {name: list(book[name].values) for name in book.sheetnames}
    assert sheets["Ranking"][0][:3] == ("Rank", "Scenario", "Score (0–1)")
    assert [row[1] for row in sheets["Ranking"][1:]] == ["Cheaper", "Baseline", "Rebalance"]
    assert sheets["KPIs"][0] == tuple(KPI_COLUMNS)
    header = sheets["Replications"][0]
    assert header[:3] == ("Scenario", "Replication", "Seed")
    assert {"OTIF (%)", "Total cost (USD)", "Cost per order (USD)", "NE labour utilisation (%)",
            "NE mean cycle time (h)", "Orders lost"} <= set(header)  # fmt: skip
    first = dict(zip(header, sheets["Replications"][1], strict=True))
    assert first["OTIF (%)"] == pytest.approx(90.0)
    assert first["NE labour utilisation (%)"] == pytest.approx(94.0)
    settings = dict(sheets["Settings"][1:])
    assert settings["Weight of Total cost"] == 1.0
    assert settings["Calibrated labour model, version"] == 3
    cells = [cell for rows in sheets.values() for row in rows for cell in row]
    texts = [cell for cell in cells if isinstance(cell, str)]
    assert [t for t in texts if CODE.search(t) or t in ("None", "nan", "NaN")] == []


def test_a_name_without_letters_falls_back_to_the_comparisons_number(viewer_client, known):
    known.name = "???"
    known.save()
    response = export(viewer_client, known, "csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="comparison-{known.pk}-2026-11-04.csv"'
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Relieve NE", "relieve-ne-2026-11-04.xlsx"),
        ("Über-Rebalance 30% → SE", "uber-rebalance-30-to-se-2026-11-04.xlsx"),
        ("  ", "fallback-2026-11-04.xlsx"),
        # The name already holds the day, or a time of it: not said twice.
        (
            "Rebalance NE→SE, suggested 2026-11-04 02:44",
            "rebalance-ne-to-se-suggested-2026-11-04-0244.xlsx",
        ),
        ("Peak plan 2026-11-04", "peak-plan-2026-11-04.xlsx"),
        # Another day in the name is not the day of the export.
        (
            "Rebalance NE→SE, suggested 2026-11-03 02:44",
            "rebalance-ne-to-se-suggested-2026-11-03-0244-2026-11-04.xlsx",
        ),
    ],
)
def test_export_file_names_are_slugs_with_the_day(name, expected):
    day = FINISHED.date()
    assert export_filename(name, day, "xlsx", fallback="fallback") == expected


@pytest.mark.parametrize(
    "kpi, column, value, exported",
    [
        ("network.otif", "OTIF (%)", 0.914, 91.4),
        ("network.total_cost_usd", "Total cost (USD)", 85120.0, 85120.0),
        ("network.satisfaction_index", "Satisfaction (1–5)", 4.46, 4.46),
        ("network.mean_hours_in_system", "Hours in system (h)", 10.2, 10.2),
        ("dc.SE.pick_accuracy", "SE pick accuracy (%)", 0.995, 99.5),
        ("region.MAT.on_time_rate", "Region MAT on-time rate (%)", 0.5, 50.0),
        ("lane.NE-MAT-UPS.kg", "Lane NE-MAT-UPS weight (kg)", 12.5, 12.5),
        ("network.cost_by_component_usd.labour", "Cost: labour (USD)", 10.0, 10.0),
        ("dc.NE.throughput_lines_per_hour", "NE throughput (lines/h)", 80.0, 80.0),
    ],
)
def test_each_kpi_has_one_heading_and_unit(kpi, column, value, exported):
    assert kpi_column(kpi) == column
    assert kpi_export_value(kpi, value) == pytest.approx(exported)
    assert kpi_export_value(kpi, None) is None


# OWASP's formula-leading cells: each would run as a formula in a spreadsheet if exported raw.
FORMULA_NAMES = ['=HYPERLINK("http://x","y")', "=1+2*3", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def hostile(known):
    """The known comparison with formula-leading text in every place a person types it."""

    def name(text: str) -> Comparison:
        known.name = text
        known.save()
        known.scenarios.filter(name="Cheaper").update(name=text, note=text)
        return known

    return name


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_a_formula_leading_name_is_quoted_text_in_the_csv(viewer_client, hostile, name):
    response = export(viewer_client, hostile(name), "csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {r["Scenario"] for r in rows}
    assert names == {"Baseline", "'" + name, "Rebalance"}
    cost = next(r for r in rows if r["Scenario"] == "'" + name and r["KPI"] == "Total cost (USD)")
    # A negative number is a figure, not text: it stays as it is.
    assert float(cost["Difference from baseline"]) == pytest.approx(-10.0)
    assert cost["Difference from baseline"].startswith("-")


def xlsx_cells(response) -> list:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_a_formula_leading_name_is_text_not_a_formula_in_the_xlsx(viewer_client, hostile, name):
    cells = xlsx_cells(export(viewer_client, hostile(name), "xlsx"))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    # The XML of the file turns a lone CR into a line feed; the text is otherwise the name.
    shown = name.replace("\r", "\n")
    named = [c for c in cells if c.value in (name, shown)]
    # The ranking, the KPIs, the scenarios (name and note), the replications, the settings.
    assert len(named) >= 5
    assert all(c.data_type == "s" and c.quotePrefix for c in named)


def test_negative_differences_stay_numbers_in_the_xlsx(viewer_client, hostile):
    cells = xlsx_cells(export(viewer_client, hostile("-2+3"), "xlsx"))
    negative = [c for c in cells if isinstance(c.value, float | int) and c.value < 0]
    assert negative and all(c.data_type == "n" and not c.quotePrefix for c in negative)
    assert pytest.approx(-10.0) in [c.value for c in negative]
