// The live network page: a card per DC, the network's KPIs, its lanes and their map, and
// the alerts, redrawn from the live state (live.js) as it changes.
import { plot } from "./charts.js";
import { el, field, setText } from "./dom.js";
import { money, num, pct, when } from "./format.js";
import { startLive } from "./live.js";
import { environmentText, equipmentText, rolesText, utilisedText } from "./live-text.js";

function dcCard(code) {
  const existing = document.getElementById(`dc-card-${code}`);
  if (existing) return existing;
  const card = el("article", { class: "card dc-card", id: `dc-card-${code}`, "data-dc": code },
    el("h2", {}, el("a", { href: `dc/${code}/`, "data-field": "title" })),
    el("div", { class: "gauge", "data-chart": "gauge", role: "img", "aria-label": `${code} utilisation gauge` }),
    el("p", { class: "big", "data-field": "utilisation" }),
    el("dl", { class: "facts" },
      el("dt", { text: "Last 24 h" }), el("dd", { "data-field": "utilisation-24h" }),
      el("dt", { text: "Backlog" }), el("dd", { "data-field": "backlog" }),
      el("dt", { text: "Throughput" }), el("dd", { "data-field": "throughput" }),
      el("dt", { text: "Pick accuracy, 24 h" }), el("dd", { "data-field": "accuracy" }),
      el("dt", { text: "On shift" }), el("dd", { "data-field": "on-shift" }),
      el("dt", { text: "Equipment" }), el("dd", { "data-field": "equipment" }),
      el("dt", { text: "Environment" }), el("dd", { "data-field": "environment" })),
    el("p", { class: "muted small", "data-field": "sparkline-caption", text: "Lines picked by hour, last 24 h" }),
    el("div", { class: "sparkline", "data-chart": "sparkline", role: "img", "aria-label": `${code} lines picked by hour, last 24 hours` }),
    el("p", { class: "muted", "data-field": "unmeasured", hidden: "" }));
  document.getElementById("dc-cards").append(card);
  return card;
}

// An origin the log has no work for (no shifts, picks, clock-ins or sensors: a seller
// region of a marketplace's history) says so instead of showing zeros as facts.
function renderUnmeasured(card, dc) {
  const unmeasured = Boolean(dc.unmeasured);
  for (const node of [card.querySelector(".gauge"), field("utilisation", card), card.querySelector("dl.facts"), field("sparkline-caption", card), card.querySelector(".sparkline")]) {
    node.hidden = unmeasured;
  }
  field("unmeasured", card).hidden = !unmeasured;
  setText("unmeasured", dc.unmeasured || "", card);
  return unmeasured;
}

function renderCard(dc) {
  const card = dcCard(dc.dc);
  card.dataset.band = dc.band;
  setText("title", `${dc.dc} · ${dc.name}`, card);
  if (renderUnmeasured(card, dc)) return;
  setText("utilisation", utilisedText(dc), card);
  setText("utilisation-24h", `${pct(dc.labour_utilisation_24h)} utilised`, card);
  setText("backlog", `${num(dc.backlog_orders)} orders · ${num(dc.backlog_lines)} lines`, card);
  setText("throughput", `${num(dc.throughput_lines_per_hour)} lines/h`, card);
  setText("accuracy", pct(dc.pick_accuracy, 1), card);
  setText("on-shift", rolesText(dc.workers_on_shift), card);
  setText("equipment", equipmentText(dc), card);
  setText("environment", environmentText(dc), card);
  field("equipment", card).classList.toggle("error", dc.outages.length > 0);
  field("environment", card).classList.toggle("error", dc.excursions.length > 0);
  plot(card.querySelector('[data-chart="gauge"]'), dc.gauge, { bare: true });
  plot(card.querySelector('[data-chart="sparkline"]'), dc.sparkline, { bare: true });
}

function renderImbalance(gap) {
  const box = document.getElementById("imbalance");
  if (!gap || gap.gap_points < 10) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    el("strong", { text: `Imbalance: ${gap.hot} ${pct(gap.hot_utilisation)} vs ${gap.cool} ${pct(gap.cool_utilisation)}` }),
    ` labour utilisation over the last 24 h — ${gap.gap_points.toFixed(0)} points apart. ${gap.hot} is stretched while ${gap.cool} has labour to spare: moving volume from ${gap.hot} to ${gap.cool} is worth simulating.`);
}

// Late of delivered over the 7 days the map's colours cover, so a row reads against its line.
const late7dText = (lane) => (lane.deliveries_7d ? `${num(lane.late_7d)} of ${num(lane.deliveries_7d)} (${pct(lane.late_7d / lane.deliveries_7d)})` : "none delivered");

function renderLanes(lanes) {
  const body = document.querySelector("#lane-table tbody");
  if (!lanes.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: "10", class: "muted", text: "No shipments yet." })));
    return;
  }
  body.replaceChildren(...lanes.map((lane) => {
    const mean = lane.transit_mean_h === null ? "–" : `${num(lane.transit_mean_h, 1)} / ${num(lane.transit_p90_h, 1)}`;
    const slow = lane.transit_mean_h !== null && lane.plan_transit_h !== null && lane.transit_mean_h > lane.plan_transit_h * 1.1;
    return el("tr", { "data-lane": lane.code },
      el("td", {}, el("strong", { class: "nowrap", text: lane.code }), el("span", { class: "muted", text: ` ${lane.origin} → ${lane.destination}` })),
      el("td", { text: `${lane.carrier} ${lane.mode}` }),
      el("td", { class: "num", text: num(lane.tendered_today) }),
      el("td", { class: "num", text: num(lane.in_transit) }),
      el("td", { class: `num${lane.in_transit_past_eta ? " error" : ""}`, text: num(lane.in_transit_past_eta) }),
      el("td", { class: "num", text: num(lane.delivered_today) }),
      el("td", { class: `num${lane.late_today ? " error" : ""}`, text: num(lane.late_today) }),
      el("td", { class: "num", text: late7dText(lane) }),
      el("td", { class: `num${slow ? " error" : ""}`, text: mean }),
      el("td", { class: "num", text: num(lane.plan_transit_h, 1) }));
  }));
}

// The map's outlines and places came with the page; messages bring only its lanes, so it is
// redrawn only when they do.
const mapBackdrop = JSON.parse(document.getElementById("map-backdrop").textContent);
let drawnLaneMap = null;

function renderLaneMap(laneMap) {
  const node = document.getElementById("lane-map");
  if (!node || !laneMap || laneMap === drawnLaneMap) return;
  drawnLaneMap = laneMap;
  node.setAttribute("aria-label", laneMap.summary);
  plot(node, { data: [...mapBackdrop.underlay, ...laneMap.traces, ...mapBackdrop.overlay], layout: mapBackdrop.layout }, { bare: true });
}

function renderAlerts(alerts) {
  const list = document.getElementById("alerts");
  if (!alerts.length) {
    list.replaceChildren(el("li", { class: "muted", text: "None." }));
    return;
  }
  list.replaceChildren(...alerts.map((alert) => el("li", { class: `alert ${alert.severity}`, "data-kind": alert.kind },
    el("span", { class: "badge", text: alert.severity }), ` ${alert.text}`,
    alert.since ? el("span", { class: "muted", text: ` · since ${when(alert.since)}` }) : "")));
}

function renderNetwork(state) {
  setText("watermark", when(state.watermark));
  renderImbalance(state.imbalance);
  const kpis = state.kpis;
  setText("otif", pct(kpis.otif_7d, 1));
  setText("otif-note", `${num(kpis.due_7d)} orders due`);
  setText("orders-today", num(kpis.orders_today));
  setText("complaints", num(kpis.open_complaints));
  setText("cost-per-order", money(kpis.cost_per_order_7d));
  setText("cost-note", Object.entries(kpis.cost_7d_usd).map(([k, v]) => `${k} $${num(v)}`).join(" · "));
  // Every card exists before any chart is drawn: a chart takes its width from its card,
  // and the grid only settles the cards' widths once all of them are in it.
  state.dcs.forEach((dc) => dcCard(dc.dc));
  state.dcs.forEach(renderCard);
  renderLanes(state.lanes);
  renderLaneMap(state.lane_map);
  renderAlerts(state.alerts);
}

// A delta carries the DCs that changed, and the lanes and their map only when they were
// recomputed.
function merge(state, delta) {
  const cards = new Map(state.dcs.map((dc) => [dc.dc, dc]));
  delta.dcs.forEach((dc) => cards.set(dc.dc, dc));
  return { ...state, ...delta, dcs: [...cards.values()] };
}

startLive({ render: renderNetwork, merge });
