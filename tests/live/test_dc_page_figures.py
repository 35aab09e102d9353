"""The DC page's figures agree with each other and say something when there is nothing to
draw: the gauge and its caption show one rounded number, the labour card names an empty
shift once."""

from apps.accounts.roles import VIEWER
from apps.live.charts import NOBODY_ON_SHIFT, labour_by_role, on_shift_text, whole_percent
from apps.live.projector import project_pending
from tests.live.stream import clock, ingest, pick
from tests.live.test_pages import embedded_document


def test_a_share_rounds_half_up_to_one_whole_percent():
    assert [whole_percent(s) for s in (0.0749, 0.075, 0.0751, 0.925, 1.0)] == [7, 8, 8, 93, 100]
    assert whole_percent(None) is None


def test_the_gauge_and_its_caption_show_the_same_rounded_utilisation(
    client, role_user, demo_network
):
    # 269.64 s of picking in the hour one picker was in: 7.49%, which the gauge used to show
    # as 8% (rounded to 7.5 first) beside a caption of 7%.
    ingest(clock("P1", "picker", "in", 0), pick(60, 269.64))
    project_pending()
    client.force_login(role_user(VIEWER))
    dc = embedded_document(client.get("/live/dc/NE/"))["dc"]
    assert 0.0745 < dc["labour_utilisation"] < 0.075
    assert dc["utilisation_percent"] == 7
    assert dc["gauge"]["data"][0]["value"] == 7
    assert dc["gauge"]["data"][0]["number"]["valueformat"] == "d"  # shown as it is, no rounding
    network = embedded_document(client.get("/live/"))
    ne = next(card for card in network["dcs"] if card["dc"] == "NE")
    assert ne["utilisation_percent"] == ne["gauge"]["data"][0]["value"] == 7


def test_the_labour_card_says_once_when_nobody_is_on_shift(client, role_user, demo_network):
    client.force_login(role_user(VIEWER))
    document = embedded_document(client.get("/live/dc/SE/"))
    assert document["dc"]["on_shift_text"] == NOBODY_ON_SHIFT
    # No chart to draw: the caption says it, not an empty chart repeating it.
    assert document["charts"]["labour"] is None
    assert str(document).count(NOBODY_ON_SHIFT) == 1


def test_the_labour_chart_counts_who_is_on_shift_by_role():
    workers = {"picker": 9, "packer": 1}
    assert on_shift_text(workers) == "On shift: 1 packer, 9 pickers."
    figure = labour_by_role(workers)
    assert figure["data"][0]["y"] == ["packer", "picker"] and figure["data"][0]["x"] == [1, 9]
    assert "annotations" not in figure["layout"]
