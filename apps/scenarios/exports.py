"""A finished comparison as tables, for a spreadsheet: CSV (every KPI of every scenario with
its interval and its difference from the baseline) or XLSX (that, the ranking, the scenarios
and each replication's figures, one sheet each)."""

import io

import pandas as pd

from apps.simulation.results import ReplicationResult

KPI_COLUMNS = [
    "rank",
    "scenario",
    "kpi",
    "mean",
    "ci95_low",
    "ci95_high",
    "vs_baseline_mean",
    "vs_baseline_ci95_low",
    "vs_baseline_ci95_high",
]


def kpi_table(document: dict) -> pd.DataFrame:
    rows = []
    for row in document["ranking"]["scenarios"]:
        for kpi, value in row["kpis"].items():
            diff = row["vs_baseline"].get(kpi)
            rows.append(
                [
                    row["rank"],
                    row["name"],
                    kpi,
                    value["mean"],
                    value["low"],
                    value["high"],
                    diff["mean"] if diff else None,
                    diff["low"] if diff else None,
                    diff["high"] if diff else None,
                ]
            )
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def ranking_table(document: dict) -> pd.DataFrame:
    tied = set(document["ranking"]["tied_with_top"])
    pareto = set(document["ranking"]["pareto"])
    return pd.DataFrame(
        [
            {
                "rank": row["rank"],
                "scenario": row["name"],
                "score": row["score"]["mean"],
                "score_ci95_low": row["score"]["low"],
                "score_ci95_high": row["score"]["high"],
                "not_distinguishable_from_first": row["name"] in tied,
                "pareto_cost_vs_otif": row["name"] in pareto,
                "trade_offs": row["summary"],
            }
            for row in document["ranking"]["scenarios"]
        ]
    )


def scenarios_table(document: dict) -> pd.DataFrame:
    rows = []
    for scenario in document["scenarios"]:
        for text in scenario["described"] or ["(no intervention)"]:
            rows.append(
                {"scenario": scenario["name"], "note": scenario["note"], "intervention": text}
            )
    return pd.DataFrame(rows)


def replications_table(results: dict[str, list[ReplicationResult]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scenario": name, "replication": r.replication, "seed": r.seed, **r.kpis()}
            for name, runs in results.items()
            for r in runs
        ]
    )


def comparison_csv(document: dict) -> str:
    return kpi_table(document).to_csv(index=False)


def comparison_xlsx(document: dict, results: dict[str, list[ReplicationResult]]) -> bytes:
    settings = pd.DataFrame(
        [
            ("comparison", document["name"]),
            ("as of (event time)", document["as_of"]),
            ("horizon (days)", document["horizon_days"]),
            ("replications", document["replications"]),
            *((f"weight {k}", w) for k, w in document["weights"].items()),
            *((f"version {k}", v) for k, v in document["versions"].items()),
        ],
        columns=["setting", "value"],
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        ranking_table(document).to_excel(writer, sheet_name="Ranking", index=False)
        kpi_table(document).to_excel(writer, sheet_name="KPIs", index=False)
        scenarios_table(document).to_excel(writer, sheet_name="Scenarios", index=False)
        replications_table(results).to_excel(writer, sheet_name="Replications", index=False)
        settings.to_excel(writer, sheet_name="Settings", index=False)
    return buffer.getvalue()
