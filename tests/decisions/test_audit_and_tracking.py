"""The audit trail cannot be changed or deleted (model, queryset, database, admin, JSON);
the audit log's filters; tracking on a constructed case; the memo; the approvers' badge."""

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from websockets.exceptions import InvalidStatus

from apps.decisions.models import AuditEntry, AuditImmutableError, Decision
from apps.decisions.prediction import prediction_read
from apps.decisions.services import decision_act, recommendation_create
from apps.decisions.tracking import tracking_report
from apps.live.models import DcHour, OrderProgress
from tests.conftest import run_in_thread
from tests.live.test_push import open_socket, receive, session_cookie

pytestmark = pytest.mark.slow
T = datetime(2026, 11, 9, tzinfo=UTC)


@pytest.fixture
def proposed(finished_comparison, people):
    decision = recommendation_create(comparison=finished_comparison, user=people["planner"])
    return decision_act(decision.pk, actor=people["planner"], action="propose")


def test_audit_entries_cannot_be_changed_or_deleted(proposed, people, client):
    entry = proposed.audit.last()
    entry.comment = "rewritten"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="rewritten")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    if connection.vendor == "postgresql":  # the database refuses too, whatever the client
        for sql in (
            "UPDATE decisions_auditentry SET comment = 'x'",
            "DELETE FROM decisions_auditentry",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                connection.cursor().execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).comment == ""

    # The admin shows the trail but offers no change, addition or deletion.
    admin = people["planner"].__class__.objects.create_superuser(
        "root", "root@x.invalid", "pw-12345678"
    )
    client.force_login(admin)
    change = reverse("admin:decisions_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"comment": "rewritten"}).status_code == 403
    delete = reverse("admin:decisions_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:decisions_auditentry_add")).status_code == 403
    # The JSON of the trail is read-only.
    url = reverse("decisions:audit-json", args=[proposed.pk])
    assert [step["to"] for step in client.get(url).json()["audit"]] == ["draft", "proposed"]
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(url).status_code == 405
    assert AuditEntry.objects.filter(decision=proposed).count() == 2


def test_the_audit_log_filters_by_who_what_and_when(proposed, people, client):
    decision_act(proposed.pk, actor=people["approver"], action="reject", comment="too costly")
    client.force_login(people["viewer"])
    url = reverse("decisions:audit")
    everything = client.get(url).content.decode()
    assert "too costly" in everything and "→ proposed" in everything
    by_ada = client.get(url, {"actor": "ada"}).content.decode()
    assert "too costly" in by_ada and "→ proposed" not in by_ada
    proposals = client.get(url, {"to_status": "proposed"}).content.decode()
    assert "→ proposed" in proposals and "too costly" not in proposals
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert "No entry matches" in client.get(url, {"since": tomorrow}).content.decode()
    bad = client.get(url, {"decision": "x"}).content.decode()
    assert "Decision #: Enter a whole number" in bad


def _hour(dc: str, at: datetime, busy_h: float, clocked_h: float) -> DcHour:
    return DcHour(dc=dc, hour=at, busy_s=busy_h * 3600, clocked_s=clocked_h * 3600)


def test_tracking_says_day_by_day_whether_reality_is_inside_the_prediction(db):
    band = {"mean": 0.78, "low": 0.70, "high": 0.86}
    predicted = {
        "days": 5,
        "daily": {"dc.NE.labour_utilisation": [band] * 5},
        "horizon": {
            "network.otif": {"mean": 0.92, "low": 0.88, "high": 0.96},
            "network.cost_per_order_usd": {"mean": 6.0, "low": 5.5, "high": 6.5},
        },
    }
    # NE works 10 clocked hours a day: 80%, 95%, 75% busy on days 1-3.
    rows = []
    for day, share in enumerate((0.80, 0.95, 0.75)):
        for hour in range(8, 18):
            rows.append(_hour("NE", T + timedelta(days=day, hours=hour), share, 1.0))
    DcHour.objects.bulk_create(rows)
    for n, late in enumerate([False] * 9 + [True]):  # 90% on time, with no pick error
        OrderProgress.objects.create(
            order_id=f"O-{n}",
            due_at=T + timedelta(days=1),
            delivered_at=T + timedelta(days=1, hours=2 if late else -2),
        )
    report = tracking_report(
        predicted=prediction_read(predicted), since=T, at=T + timedelta(days=3, hours=13)
    )
    assert report.settled_days == 3  # with no shift past midnight, an hour after a day ends
    [ne] = report.daily
    assert [round(d.actual, 2) for d in ne.days] == [0.80, 0.95, 0.75]
    assert [d.inside for d in ne.days] == [True, False, True]
    assert ne.verdict == (
        "NE utilisation: 2 of 3 days inside the prediction; day 2 above (95% against 70–86%)"
    )
    otif, cost = report.horizon  # a prediction made before orders lost were predicted
    assert otif.actual == pytest.approx(0.9) and otif.inside
    assert otif.verdict == "OTIF so far (3 settled days) 90%: inside the predicted 88%–96%"
    assert cost.actual is None and "nothing measured in the 3 settled days yet" in cost.verdict
    assert report.verdict == (
        "The prediction holds so far: 1 of 4 figures outside the 95% interval "
        "(NE utilisation day 2); a right model misses up to 1 of 4 by chance."
    )
    early = tracking_report(
        predicted=prediction_read(predicted), since=T, at=T + timedelta(hours=24, minutes=30)
    )
    assert early.settled_days == 0 and early.daily[0].verdict.endswith(
        "no settled day to compare yet"
    )


def test_the_memo_prints_the_decision_and_downloads(proposed, people, client):
    decision_act(proposed.pk, actor=people["approver"], action="approve", comment="go ahead")
    client.force_login(people["viewer"])
    url = reverse("decisions:memo", args=[proposed.pk])
    memo = client.get(url).content.decode()
    expected = [
        "Decision memo",
        "Approved by <strong>ada</strong>",
        "go ahead",
        "Alternatives compared",
        "Context:",
        "Trade-offs:",
        "Audit trail",
    ]
    assert [text for text in expected if text not in memo] == []
    download = client.get(url, {"download": "1"})
    title = slugify(proposed.title)
    assert download["Content-Disposition"] == (
        f'attachment; filename="decision-{proposed.pk}-memo-{title}-{timezone.localdate()}.html"'
    )


@pytest.mark.django_db(transaction=True)
def test_approvers_badge_counts_pending_recommendations_live(proposed, people, start_daphne):
    base_url = start_daphne()
    path = "/ws/decisions/pending/"
    with pytest.raises(InvalidStatus):  # planners have no badge: nothing waits for them
        open_socket(base_url, path, cookie=session_cookie(people["planner"]))
    with pytest.raises(InvalidStatus):
        open_socket(base_url, path, cookie=None)
    with open_socket(base_url, path, cookie=session_cookie(people["approver"])) as socket:
        assert receive(socket, kind="pending") == {"type": "pending", "count": 1}
        approve = partial(decision_act, proposed.pk, actor=people["approver"], action="approve")
        run_in_thread(approve)
        assert receive(socket, kind="pending", timeout_s=30) == {"type": "pending", "count": 0}
    assert Decision.objects.get(pk=proposed.pk).status == Decision.Status.APPROVED


def test_the_decisions_list_costs_the_same_queries_however_many_decisions(
    proposed, finished_comparison, people, client
):
    client.force_login(people["approver"])
    url = reverse("decisions:list")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        recommendation_create(comparison=finished_comparison, user=people["planner2"])
    with CaptureQueriesContext(connection) as four:
        page = client.get(url).content.decode()
    assert page.count('href="/decisions/') >= 4
    assert len(four.captured_queries) == len(one.captured_queries)
