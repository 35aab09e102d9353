"""manage.py run_scenarios FILE.json: run a comparison from a file and print the ranking."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.scenarios.backtest import backtest_view
from apps.scenarios.documents import comparison_json
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.scenarios.specs import ScenarioInputError
from apps.simulation.statistics import Kpi


class Command(BaseCommand):
    help = (
        "Run a comparison described in a JSON file ({name, horizon_days, replications, "
        "weights, scenarios: [{name, note, interventions: [{kind, ...}]}]}) from the current "
        "live state and calibrated versions, in this process, and print the ranking."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **options):
        try:
            spec = json.loads(options["file"].read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{options['file']} is not JSON: {error}") from None
        try:
            comparison = comparison_create(spec=spec)
            comparison = comparison_run_here(comparison)
        except ScenarioInputError as error:
            raise CommandError(f"{options['file']}: {error}") from None
        document = comparison_document(comparison)
        if options["json"]:
            self.stdout.write(json.dumps(comparison_json(document), indent=2))
            return
        as_of = document.as_of.isoformat() if document.as_of else None
        self.stdout.write(
            f"Comparison {comparison.pk} {comparison.name!r}: {comparison.status}, "
            f"{document.progress.done} replications, as of {as_of}"
        )
        if document.ranking is None:
            raise CommandError(comparison.error or "the comparison did not finish")
        backtest = backtest_view(comparison)
        if backtest is not None:
            # Read before the what-ifs, as on the page.
            self.stdout.write(f"Back-test: {backtest.verdict}")
        for row in document.ranking.scenarios:
            otif, cost = row.kpis[Kpi.OTIF], row.kpis[Kpi.COST_PER_ORDER_USD]
            self.stdout.write(
                f"{row.rank}. {row.name}: score {row.score.mean:.3f} "
                f"[{row.score.low:.3f}, {row.score.high:.3f}], "
                f"OTIF {otif.mean:.1%}, cost/order ${cost.mean:.2f}"
            )
        if document.ranking.top_indistinguishable:
            self.stdout.write("The top two are not distinguishable at 95%.")
