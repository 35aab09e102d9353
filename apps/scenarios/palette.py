"""The builder's intervention palette: a small form per kind of intervention, read into the
engine's own intervention and checked against the network as it is now."""

import re
from dataclasses import dataclass, field

from apps.scenarios.messages import codes_labelled, field_sentence, sentence
from apps.scenarios.run_selectors import NetworkNow
from apps.scenarios.specs import ScenarioInputError
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import ROLES, validate_intervention
from apps.simulation.serialization import intervention_from_jsonable


@dataclass(frozen=True)
class PaletteField:
    name: str  # the intervention's own field name
    label: str
    # What the field holds: "dc", "dcs", "regions", "families", "percent", "int", "float",
    # "role", "shift", "lane", "carrier", "cross_dock", "stock" or "skus"; it picks the input
    # and the parsing.
    widget: str
    help: str = ""
    optional: bool = False
    default: str = ""  # what a new form shows, and what an optional field left blank means


@dataclass(frozen=True)
class PaletteEntry:
    kind: str
    title: str
    summary: str
    fields: tuple[PaletteField, ...]


PALETTE: dict[str, PaletteEntry] = {
    entry.kind: entry
    for entry in (
        PaletteEntry(
            "ShiftVolume",
            "Shift volume",
            "Serve a share of one DC's orders from another DC.",
            (
                PaletteField("from_dc", "From DC", "dc"),
                PaletteField("to_dc", "To DC", "dc"),
                PaletteField("share", "Share (%)", "percent", "0–100% of the orders moved"),
                PaletteField(
                    "regions", "Regions", "regions", "none ticked: every region it serves", True
                ),
                PaletteField(
                    "sku_families",
                    "SKU families",
                    "families",
                    "none ticked: every order; else orders mostly of these",
                    True,
                ),
                PaletteField(
                    "stock",
                    "Stock of the moved SKUs",
                    "stock",
                    "reorder points: lead time + 4 days of the moved demand; "
                    "order quantity: 7 days of it",
                    True,
                    default="policies",
                ),
            ),
        ),
        PaletteEntry(
            "RouteViaCrossDock",
            "Route via cross-dock",
            "Ship the orders some DCs send to some regions through a cross-dock instead of "
            "direct; orders a DC expedites to keep their promise keep their lane.",
            (
                PaletteField("regions", "Regions", "regions"),
                PaletteField("cross_dock", "Cross-dock", "cross_dock"),
                PaletteField(
                    "from_dcs",
                    "From DCs",
                    "dcs",
                    "none ticked: the orders DCs other than a region's home DC ship there "
                    "(those a volume shift moved)",
                    True,
                ),
            ),
        ),
        PaletteEntry(
            "ChangeHeadcount",
            "Change headcount",
            "Add or remove pickers or packers on a shift (temporary labour, a transfer).",
            (
                PaletteField("dc", "DC", "dc"),
                PaletteField("role", "Role", "role"),
                PaletteField("delta", "Change (people)", "int", "negative to remove"),
                PaletteField("shift", "Shift", "shift"),
            ),
        ),
        PaletteEntry(
            "Overtime",
            "Overtime",
            "Work planned overtime at the end of each day.",
            (
                PaletteField("dc", "DC", "dc"),
                PaletteField("hours_per_day", "Hours a day", "float"),
            ),
        ),
        PaletteEntry(
            "ChangeCarrier",
            "Change carrier",
            "Give a lane's route to another carrier.",
            (
                PaletteField("lane", "Lane", "lane"),
                PaletteField("carrier", "Carrier", "carrier"),
            ),
        ),
        PaletteEntry(
            "TransferStock",
            "Transfer stock",
            "Move units of some SKUs from one DC to another at the start.",
            (
                PaletteField("skus", "SKUs", "skus", "codes separated by commas or spaces"),
                PaletteField("from_dc", "From DC", "dc"),
                PaletteField("to_dc", "To DC", "dc"),
                PaletteField("quantity", "Units of each", "int"),
            ),
        ),
        PaletteEntry(
            "ChangeReorderPolicy",
            "Change reorder policy",
            "Reorder some SKUs at a DC at another point and quantity.",
            (
                PaletteField("skus", "SKUs", "skus", "codes separated by commas or spaces"),
                PaletteField("dc", "DC", "dc"),
                PaletteField("reorder_point", "Reorder point (units)", "int"),
                PaletteField("reorder_quantity", "Order quantity (units)", "int"),
            ),
        ),
    )
}
MULTI_WIDGETS = {"regions", "families", "dcs"}
# A volume shift's choices for the moved SKUs' stock (the engine's STOCK_CHOICES), in words.
STOCK_OPTIONS = (
    ("policies", "Reorder policies at the receiving DC, sized to the moved demand"),
    ("policies_and_transfer", "Those policies and a transfer of the moved share of stock"),
    ("none", "Nothing: the receiving DC sells only the stock it has"),
)


def choices(now: NetworkNow) -> dict[str, list[tuple[str, str]]]:
    """The options of each select and checkbox list, from the network as it is now."""
    snapshot, labour = now.snapshot, now.parameters.labour
    shifts = sorted({s.name for dc in labour.dcs for s in dc.shifts})
    return {
        "dc": [(dc.code, dc.code) for dc in snapshot.dcs],
        "dcs": [(dc.code, dc.code) for dc in snapshot.dcs],
        "regions": [(r.code, f"{r.code} (from {r.home_dc})") for r in snapshot.regions],
        "families": [(f, f) for f in sorted({sku.family for sku in snapshot.skus})],
        "role": [(role, role) for role in ROLES],
        "shift": [(name, name) for name in shifts],
        "lane": [
            (lane.code, f"{lane.code}: {lane.origin}→{lane.destination}, {lane.carrier}")
            for lane in snapshot.lanes
        ],
        "carrier": [(c, c) for c in sorted({lane.carrier for lane in snapshot.lanes})],
        "cross_dock": [(xd.code, f"{xd.code} ({xd.region})") for xd in snapshot.cross_docks],
        "stock": list(STOCK_OPTIONS),
    }


def _number(raw: str, name: str, *, whole: bool) -> float | int:
    text = raw.strip()
    if not text:
        raise ScenarioInputError(name, "is required")
    try:
        return int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ScenarioInputError(name, f"must be {kind}, not {text!r}") from None


def _value(spec: PaletteField, values) -> object:
    if spec.widget in MULTI_WIDGETS:
        picked = tuple(v for v in values.getlist(spec.name) if v)
        if not picked and not spec.optional:
            raise ScenarioInputError(spec.name, "must have at least one ticked")
        return picked
    raw = values.get(spec.name) or ""
    if spec.optional and not raw.strip():
        return spec.default or None
    if spec.widget == "stock" and raw.strip() not in dict(STOCK_OPTIONS):
        raise ScenarioInputError(spec.name, f"must be one of the choices offered, not {raw!r}")
    if spec.widget == "skus":
        codes = tuple(code for code in re.split(r"[\s,;]+", raw.strip()) if code)
        if not codes:
            raise ScenarioInputError(spec.name, "must name at least one SKU")
        return codes
    if spec.widget == "percent":
        percent = _number(raw, spec.name, whole=False)
        if not 0 < percent <= 100:
            raise ScenarioInputError(spec.name, f"must lie between 0 and 100%, got {percent:g}%")
        return percent / 100
    if spec.widget in ("int", "float"):
        return _number(raw, spec.name, whole=spec.widget == "int")
    if not raw.strip():
        raise ScenarioInputError(spec.name, "is required: pick one")
    return raw.strip()


def _field_of(engine_field: str) -> str:
    """The form field an engine error names: "interventions[0] (ShiftVolume).regions[1]"
    → "regions"."""
    name = engine_field.rsplit(").", 1)[-1].rsplit(".", 1)[-1]
    return re.sub(r"\[\d+\]$", "", name)


def _labels(entry: PaletteEntry) -> dict[str, str]:
    return {spec.name: spec.label for spec in entry.fields}


def problem_sentence(kind: str, field: str, reason: str) -> str:
    """An intervention's problem (the palette's or the engine's, whose field may be a path
    such as "interventions[0] (ShiftVolume).to_dc") as a sentence led by the field's label:
    "To DC must differ from From DC."."""
    if kind not in PALETTE:
        return sentence(reason)
    labels = _labels(PALETTE[kind])
    name = _field_of(field)
    if name not in labels:
        return sentence(codes_labelled(reason, labels))
    return field_sentence(labels[name], reason, labels)


@dataclass
class PaletteForm:
    """One intervention's form: what was typed, what is wrong with it, and, when nothing is,
    the intervention as JSON and in plain language."""

    entry: PaletteEntry
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    intervention: dict | None = None
    described: str = ""

    @property
    def valid(self) -> bool:
        return self.intervention is not None

    @property
    def general_error(self) -> str:
        return self.errors.get("__all__", "")

    def typed_errors(self) -> list[tuple[str, str]]:
        """(field, error) of every field, blank where nothing was typed yet: while the
        planner types, an empty field is not yet wrong."""
        return [
            (spec.name, self.errors.get(spec.name, "") if self.values.get(spec.name) else "")
            for spec in self.entry.fields
        ]


def palette_entry(kind: str) -> PaletteEntry:
    if kind not in PALETTE:
        raise ScenarioInputError("kind", f"unknown intervention {kind!r}")
    return PALETTE[kind]


def palette_check(kind: str, values, now: NetworkNow) -> PaletteForm:
    """Read a palette form (a QueryDict) and check it against the network now: every field's
    error at once, so the page can show each beside its field as the planner types."""
    entry = palette_entry(kind)
    form = PaletteForm(entry)
    parsed: dict[str, object] = {}
    for spec in entry.fields:
        multi = spec.widget in MULTI_WIDGETS
        form.values[spec.name] = values.getlist(spec.name) if multi else values.get(spec.name, "")
        try:
            value = _value(spec, values)
        except ScenarioInputError as error:
            form.errors[spec.name] = problem_sentence(kind, spec.name, error.reason)
            continue
        if value is not None:
            parsed[spec.name] = value
    if form.errors:
        return form
    raw = {"kind": kind, **parsed}
    try:
        intervention = intervention_from_jsonable(raw)
        validate_intervention(intervention, now.snapshot, now.parameters, 0)
    except SimulationInputError as error:
        name = _field_of(error.field)
        key = name if name in form.values else "__all__"
        form.errors[key] = problem_sentence(kind, error.field, error.reason)
        return form
    form.intervention = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
    form.described = intervention.describe()
    return form


@dataclass(frozen=True)
class BoundPaletteField:
    """A palette field ready to draw: its typed value, its options and its error."""

    spec: PaletteField
    value: str
    options: tuple[tuple[str, str, bool], ...]  # (value, label, chosen)
    error: str

    @property
    def multiple(self) -> bool:
        return self.spec.widget in MULTI_WIDGETS

    @property
    def select(self) -> bool:
        return bool(self.options) and not self.multiple


def bound_fields(
    form: PaletteForm, options: dict[str, list[tuple[str, str]]]
) -> list[BoundPaletteField]:
    bound = []
    for spec in form.entry.fields:
        value = form.values.get(spec.name, [] if spec.widget in MULTI_WIDGETS else spec.default)
        chosen = set(value) if isinstance(value, list) else {value}
        bound.append(
            BoundPaletteField(
                spec=spec,
                value="" if isinstance(value, list) else str(value),
                options=tuple((v, label, v in chosen) for v, label in options.get(spec.widget, ())),
                error=form.errors.get(spec.name, ""),
            )
        )
    return bound
