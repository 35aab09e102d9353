"""GET /api/v1/decisions/feed: the decisions an ERP, WMS or TMS carries out, read by cursor
with a source token; refusals say why."""

import pytest
from django.utils import timezone

from apps.accounts.roles import APPROVER, PLANNER
from apps.decisions.services import decision_act, recommendation_create
from apps.scenarios.models import Comparison
from apps.simulation.serialization import intervention_from_jsonable, intervention_to_jsonable
from apps.sources.models import Event
from apps.sources.schemas import TWIN_PAYLOADS
from apps.sources.services import TwinEventError, twin_event_record
from apps.sources.tokens import source_token_create, source_token_revoke
from tests.scenarios.builders import known_comparison
from tests.scenarios.test_runs import SHIFT

FEED = "/api/v1/decisions/feed"


def read(client, token: str | None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(FEED, params, **headers)


@pytest.fixture
def erp_token(db) -> str:
    return source_token_create(source="erp")


@pytest.fixture
def comparison(db) -> Comparison:
    """A finished comparison set by hand (no simulation run: seconds saved), whose
    "Rebalance" scenario shifts volume NE to SE."""
    comparison = known_comparison()
    comparison.scenarios.filter(name="Rebalance").update(interventions=[SHIFT])
    return comparison


@pytest.fixture
def people(role_user) -> dict:
    # Only the two who take part.
    return {
        "planner": role_user(PLANNER, username="pia"),
        "approver": role_user(APPROVER, username="ada"),
    }


def test_an_approved_then_executed_decision_is_read_once_in_order_page_by_page(
    comparison, people, client
):
    decision = recommendation_create(
        comparison=comparison,
        user=people["planner"],
        scenario_name="Rebalance",
        reason="closes the NE-SE gap",
    )
    decision_act(decision.pk, actor=people["planner"], action="propose")
    decision_act(decision.pk, actor=people["approver"], action="approve", comment="go")
    decision = decision_act(decision.pk, actor=people["planner"], action="execute")
    tokens = {source: source_token_create(source=source) for source in ("erp", "wms", "tms")}

    first = read(client, tokens["erp"], limit=1).json()
    [approved] = first["events"]
    assert approved["event_id"] == f"decision-{decision.pk}-approved"
    assert first["has_more"] is True and first["next_cursor"] == approved["cursor"]
    second = read(client, tokens["erp"], after=first["next_cursor"], limit=1).json()
    [executed] = second["events"]
    assert executed["event_id"] == f"decision-{decision.pk}-executed"
    assert executed["type"] == "twin.decision_executed"
    assert executed["cursor"] > approved["cursor"] and second["has_more"] is False
    # Past the end: nothing, and the cursor stays where the reader is.
    end = read(client, tokens["erp"], after=second["next_cursor"]).json()
    assert end == {"events": [], "next_cursor": second["next_cursor"], "has_more": False}
    # Every system that carries decisions out reads the same two, in the log's order.
    for token in tokens.values():
        whole = read(client, token).json()
        assert [e["event_id"] for e in whole["events"]] == [
            approved["event_id"],
            executed["event_id"],
        ]
        assert whole["has_more"] is False

    payload = executed["payload"]
    TWIN_PAYLOADS["twin.decision_executed"].model_validate(payload)
    TWIN_PAYLOADS["twin.decision_approved"].model_validate(approved["payload"])
    assert (payload["approved_by"], payload["executed_by"]) == ("ada", "pia")
    assert payload["decision_id"] == decision.pk
    assert payload["executed_at"] == decision.executed_at.isoformat()
    assert payload["carried_out_from"] == decision.tracking_from.isoformat()
    # The feed serves the payload as the log holds it, to the microsecond.
    logged = Event.objects.get(event_id=executed["event_id"])
    assert (payload, executed["occurred_at"]) == (logged.payload, logged.occurred_at.isoformat())
    # Each intervention in full (defaults written out), and read back as the engine's own.
    planned = [intervention_from_jsonable(i) for i in decision.scenario.interventions]
    sent = [intervention_from_jsonable(typed) for typed in payload["interventions"]]
    assert sent == planned != []
    assert payload["interventions"] == [intervention_to_jsonable(i) for i in planned]


def test_source_events_never_appear_in_the_feed(erp_token, client):
    twin_event_record(
        event_id="decision-1-executed",
        type="twin.decision_executed",
        occurred_at=timezone.now(),
        payload={
            "decision_id": 1,
            "title": "Shift 30% NE to SE (Rebalance NE)",
            "comparison_id": 1,
            "scenario": "Shift 30% NE to SE",
            "interventions": [],
            "approved_by": "ada",
            "versions": {"labour": 1},
            "executed_by": "pia",
            "executed_at": timezone.now().isoformat(),
            "carried_out_from": timezone.now().isoformat(),
        },
    )
    # Not a twin event: written straight to the log, as no API would let it in.
    Event.objects.create(
        source="erp",
        event_id="decision-1-executed",
        type="twin.decision_executed",
        occurred_at=timezone.now(),
        received_at=timezone.now(),
        payload={},
    )
    events = read(client, erp_token).json()["events"]
    assert [e["event_id"] for e in events] == ["decision-1-executed"]
    assert events[0]["payload"]["executed_by"] == "pia"


def test_a_twin_event_that_does_not_fit_its_schema_is_not_stored(db):
    with pytest.raises(TwinEventError, match=r"payload\.interventions\[0\].*unknown intervention"):
        twin_event_record(
            event_id="decision-9-approved",
            type="twin.decision_approved",
            occurred_at=timezone.now(),
            payload={
                "decision_id": 9,
                "title": "Teleport",
                "comparison_id": 1,
                "scenario": "Teleport",
                "interventions": [{"kind": "Teleport"}],
                "approved_by": "ada",
                "proposed_by": "pia",
                "comment": "",
                "versions": {},
            },
        )
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "authorization, reason",
    [
        (None, "no Authorization header"),
        ("Bearer twin_erp_never-issued", "unknown token"),
        ("Basic ZXJwOmVycA==", "must use the Bearer scheme"),
        ("revoked", "was revoked"),
    ],
)
def test_it_refuses_a_missing_unknown_or_revoked_token_with_401_saying_why(
    erp_token, client, authorization, reason
):
    if authorization == "revoked":
        source_token_revoke(source="erp")
        authorization = f"Bearer {erp_token}"
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(FEED, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="twin"')
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("source", ["crm", "iot"])
def test_it_refuses_a_source_that_does_not_carry_decisions_out_with_403(db, client, source):
    response = read(client, source_token_create(source=source))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"a {source} token may not call this: only erp, wms or tms tokens may"
    )


@pytest.mark.parametrize(
    "params, detail",
    [
        ({"after": -1}, "after: input should be greater than or equal to 0"),
        ({"after": "abc"}, "after: input should be a valid integer"),
        ({"after": 2**63}, "after: input should be less than or equal to"),
        ({"limit": 0}, "limit: input should be greater than or equal to 1"),
        ({"limit": 501}, "limit: input should be less than or equal to 500"),
    ],
)
def test_it_answers_a_bad_cursor_or_limit_with_400_naming_it(erp_token, client, params, detail):
    response = read(client, erp_token, **params)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
