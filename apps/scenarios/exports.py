"""A finished comparison as tables, for a spreadsheet: CSV (every KPI of every scenario with
its interval and its difference from the baseline) or XLSX (that, the ranking, the scenarios
and each replication's figures, one sheet each).

Written for a person opening them: headings in words with units ("OTIF (%)"), shares as
percentages, an empty cell where there is no figure, and a file name saying what it is.
Text a spreadsheet would read as a formula (a scenario named "=HYPERLINK(...)") stays text."""

import io
import re
from datetime import date

import openpyxl
import pandas as pd
from django.utils.text import slugify

from apps.scenarios.documents import ComparisonDocument
from apps.scenarios.kpis import kpi_column, kpi_export_value, kpi_label
from apps.simulation.results import ReplicationResult

KPI_COLUMNS = [
    "Rank",
    "Scenario",
    "KPI",
    "Mean",
    "95% CI low",
    "95% CI high",
    "Difference from baseline",
    "Difference 95% CI low",
    "Difference 95% CI high",
]
# Excel reads a CSV as the machine's legacy code page unless it starts with a byte order
# mark: without it, "Satisfaction (1–5)" arrives garbled.
UTF8_BOM = "\ufeff"
# OWASP's CSV-injection list: a cell starting with any of these is evaluated as a formula
# by Excel, LibreOffice or Google Sheets (tab and CR because they are skipped first).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def formula_leading(value: object) -> bool:
    """Whether a cell is text a spreadsheet would evaluate. Numbers never are: a negative
    difference from the baseline stays a number."""
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def csv_text(value: object) -> object:
    """The cell for a CSV: formula-leading text behind a single quote, as OWASP advises
    (a CSV cannot say "this is text" otherwise); anything else as it is."""
    return f"'{value}" if formula_leading(value) else value


def _csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns=csv_text).map(csv_text)


def _xlsx_text_kept_text(book: openpyxl.Workbook) -> None:
    """Formula-leading text as string cells marked quote-prefixed: openpyxl would store
    "=1+2*3" as a formula, and Excel would make "+1" one when the cell is edited. The
    text itself is unchanged (an XLSX cell can say it is text, unlike a CSV's)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if formula_leading(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def export_filename(name: str, day: date, extension: str, *, fallback: str) -> str:
    """ "relieve-ne-2026-11-04.xlsx": the name slugified (an arrow as "to": "ne-to-se"), the
    day unless the name already ends with it or a time of it, the extension; `fallback`
    when the name has no letter or digit to keep."""
    stem = slugify(name.replace("→", " to "))[:80].strip("-") or fallback
    if re.search(rf"(^|-){day.isoformat()}(-\d{{4}}(\d\d)?)?$", stem):
        return f"{stem}.{extension}"
    return f"{stem}-{day.isoformat()}.{extension}"


def kpi_table(document: ComparisonDocument) -> pd.DataFrame:
    rows = []
    # A candidate the racing screened out has no rank: its figures are over fewer replications.
    every = [*document.ranking.scenarios, *document.ranking.screened_out]
    for row in every:
        for kpi, value in row.kpis.items():
            diff = row.vs_baseline.get(kpi)
            rows.append(
                [
                    getattr(row, "rank", None),
                    row.name,
                    kpi_column(kpi),
                    *(kpi_export_value(kpi, v) for v in (value.mean, value.low, value.high)),
                    *(
                        kpi_export_value(kpi, v)
                        for v in ((diff.mean, diff.low, diff.high) if diff else (None,) * 3)
                    ),
                ]
            )
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def ranking_table(document: ComparisonDocument) -> pd.DataFrame:
    tied = set(document.ranking.tied_with_top)
    pareto = set(document.ranking.pareto)
    return pd.DataFrame(
        [
            {
                "Rank": row.rank,
                "Scenario": row.name,
                "Score (0–1)": row.score.mean,
                "Score 95% CI low": row.score.low,
                "Score 95% CI high": row.score.high,
                "Not distinguishable from #1": "yes" if row.name in tied else "no",
                "On the cost–OTIF Pareto front": "yes" if row.name in pareto else "no",
                "Trade-offs against the baseline": row.summary,
            }
            for row in document.ranking.scenarios
        ]
        # Not ranked: raced out on fewer replications (screening.py), said so in words.
        + [
            {
                "Rank": None,
                "Scenario": row.name,
                "Score (0–1)": None,
                "Score 95% CI low": None,
                "Score 95% CI high": None,
                "Not distinguishable from #1": "no",
                "On the cost–OTIF Pareto front": "no",
                "Trade-offs against the baseline": row.stated,
            }
            for row in document.ranking.screened_out
        ]
    )


def scenarios_table(document: ComparisonDocument) -> pd.DataFrame:
    rows = []
    for scenario in document.scenarios:
        for text in scenario.described or ["(no intervention)"]:
            rows.append({"Scenario": scenario.name, "Note": scenario.note, "Intervention": text})
    return pd.DataFrame(rows)


def replications_table(results: dict[str, list[ReplicationResult]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Scenario": name,
                "Replication": r.replication,
                "Seed": r.seed,
                **{kpi_column(k): kpi_export_value(k, v) for k, v in r.kpis().items()},
            }
            for name, runs in results.items()
            for r in runs
        ]
    )


def settings_table(document: ComparisonDocument) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("Comparison", document.name),
            ("As of (event time)", document.as_of.isoformat() if document.as_of else ""),
            ("Horizon (days)", document.horizon_days),
            ("Replications", document.replications),
            *((f"Weight of {kpi_label(k)}", w) for k, w in document.weights.items()),
            *((f"Calibrated {k} model, version", v) for k, v in document.versions.items()),
        ],
        columns=["Setting", "Value"],
    )


def comparison_csv(document: ComparisonDocument) -> str:
    # RFC 4180's CRLF line ends: with "\n" alone the writer leaves a field holding a lone
    # CR unquoted, and a spreadsheet starts a new row there.
    return UTF8_BOM + _csv_safe(kpi_table(document)).to_csv(index=False, lineterminator="\r\n")


def comparison_xlsx(
    document: ComparisonDocument, results: dict[str, list[ReplicationResult]]
) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        ranking_table(document).to_excel(writer, sheet_name="Ranking", index=False)
        kpi_table(document).to_excel(writer, sheet_name="KPIs", index=False)
        scenarios_table(document).to_excel(writer, sheet_name="Scenarios", index=False)
        replications_table(results).to_excel(writer, sheet_name="Replications", index=False)
        settings_table(document).to_excel(writer, sheet_name="Settings", index=False)
        _xlsx_text_kept_text(writer.book)
    return buffer.getvalue()
