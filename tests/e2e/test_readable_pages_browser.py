"""In real Chromium: what a planner must be able to see, sees. The builder's link-like
buttons stand out from their white cards (the regression: white text on white), the ranking
table fits its card at common laptop widths, the DC page says when nobody is on shift, and a
keyboard reaches the content past the navigation by a skip link."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import PLANNER
from apps.live.charts import NOBODY_ON_SHIFT
from apps.scenarios.drafts import draft_create
from tests.e2e.test_live_browser import sign_in
from tests.scenarios.builders import weighed_comparison

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# WCAG 2.x contrast of an element's text against the background it is drawn on: the first
# ancestor (or itself) with an opaque background colour.
CONTRAST = """(element) => {
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let node = element;
  let background = null;
  while (node && node.nodeType === 1) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] === 1) { background = colour; break; }
    node = node.parentElement;
  }
  background = background || [255, 255, 255];
  const [light, dark] = [luminance(rgba(getComputedStyle(element).color)), luminance(background)]
    .sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


@pytest.fixture
def planner_page(page, start_daphne, role_user, demo_network):
    user = role_user(PLANNER, username="pat", password="planner-pass-7")
    base_url = start_daphne()
    sign_in(page, base_url, "pat", "planner-pass-7")
    page.base_url = base_url
    page.user = user
    return page


def test_the_builders_link_buttons_are_readable_on_their_cards(planner_page):
    page = planner_page
    comparison = draft_create(user=page.user, name="Readable")
    comparison.scenarios.create(
        position=1,
        name="Overtime at SE",
        interventions=[{"kind": "Overtime", "dc": "SE", "hours_per_day": 1.0}],
    )
    page.goto(f"{page.base_url}/scenarios/{comparison.pk}/edit/")
    buttons = {
        "Remove scenario": page.get_by_role("button", name="Remove scenario"),
        "remove": page.get_by_role("button", name="remove", exact=True),
        "Discard the draft": page.get_by_role("button", name="Discard the draft"),
        "Sign out (on the top bar)": page.get_by_role("button", name="Sign out"),
    }
    ratios = {}
    for name, button in buttons.items():
        expect(button).to_be_visible()
        ratios[name] = round(button.evaluate(CONTRAST), 2)
    assert {name: ratio for name, ratio in ratios.items() if ratio < 4.5} == {}, ratios


@pytest.mark.parametrize("width", [1280, 1400])
def test_the_ranking_table_fits_its_card(planner_page, width, tmp_path):
    page = planner_page
    page.set_viewport_size({"width": width, "height": 900})
    comparison = weighed_comparison(
        {"network.total_cost_usd": 1.0},
        names={
            "Cheap": "30% NE→SE + XD1 + temp labour at SE",
            "Balanced": "40% NE→SE via XD1 with overtime",
        },
    )
    page.goto(f"{page.base_url}/scenarios/{comparison.pk}/")
    table = page.locator("table.ranking")
    expect(table).to_be_visible()
    page.screenshot(path=str(tmp_path / f"ranking-{width}.png"), full_page=True)
    overflow = table.evaluate(
        """(table) => {
          const card = table.closest('.card').getBoundingClientRect();
          const box = table.getBoundingClientRect();
          const scroller = table.parentElement;
          return {right: box.right - card.right,
                  hidden: scroller.scrollWidth - scroller.clientWidth,
                  page: document.documentElement.scrollWidth - window.innerWidth};
        }"""
    )
    assert overflow["right"] <= 0 and overflow["hidden"] <= 0 and overflow["page"] <= 0, overflow


def test_the_dc_page_says_when_nobody_is_on_shift(planner_page):
    page = planner_page
    page.goto(f"{page.base_url}/live/dc/SE/")
    expect(page.locator('[data-field="on-shift"]')).to_have_text(NOBODY_ON_SHIFT)
    expect(page.locator('[data-field="utilisation"]')).to_have_text("no one clocked in")
    # Said once: the chart that would repeat it is hidden.
    expect(page.locator('[data-chart="labour"]')).to_be_hidden()
    expect(page.get_by_text("Nobody is clocked in")).to_have_count(1)


def test_the_first_tab_reaches_a_skip_link_that_shows_itself_and_jumps_to_the_content(
    planner_page,
):
    page = planner_page
    page.goto(f"{page.base_url}/live/")
    skip = page.get_by_role("link", name="Skip to main content")
    box = skip.bounding_box()
    assert box is None or box["y"] + box["height"] <= 0  # out of sight until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the content, past the navigation
    assert page.evaluate("document.activeElement.closest('main') !== null")
