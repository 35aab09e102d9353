// The live pages: render the state document, keep it current over a websocket, and say
// plainly whether what is shown is live, reconnecting or stale.
const PLOT_CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
// The server sends a heartbeat every 10 s when nothing else went out.
const STALE_AFTER_MS = 30000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15000;
// The server closes with this when the session that opened the socket ended (signed out
// here or elsewhere, expired): reconnecting would only be refused, so the page says so.
const CLOSE_SIGNED_OUT = 4401;

const root = document.querySelector("[data-live]");
const kind = root.dataset.live;
let state = JSON.parse(document.getElementById("live-document").textContent);
let socket = null;
let lastSeq = null;
let lastMessageAt = 0;
let attempt = 0;
let retryAt = 0;
// Why live updates paused, as the server said it (Redis away); cleared by the next snapshot.
let degraded = "";
let signedOut = false;

// ---- formatting --------------------------------------------------------------------------
const pct = (share, digits = 0) => (share === null || share === undefined ? "–" : `${(share * 100).toFixed(digits)}%`);
const num = (value, digits = 0) => (value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "–");
const money = (value) => (value === null || value === undefined ? "–" : `$${Number(value).toFixed(2)}`);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function field(name, scope = root) {
  return scope.querySelector(`[data-field="${name}"]`);
}

function setText(name, text, scope = root) {
  const node = field(name, scope);
  if (node && node.textContent !== text) node.textContent = text;
}

// A chart the server sends as null has nothing to draw, and its caption says why: hidden.
function plot(node, figure) {
  if (!node || !window.Plotly) return;
  node.hidden = !figure;
  if (figure) window.Plotly.react(node, figure.data, figure.layout, PLOT_CONFIG);
  else window.Plotly.purge(node);
}

function equipmentText(dc) {
  if (!dc.outages.length) return "all up";
  return dc.outages.map((o) => `${o.equipment_id} down since ${when(o.since)}${o.reason ? ` (${o.reason})` : ""}`).join("; ");
}

function environmentText(dc) {
  if (!dc.excursions.length) return "all readings in range";
  return dc.excursions.map((x) => `${x.sensor_id} ${x.kind} ${x.value} ${x.unit} (range ${x.low}–${x.high}) since ${when(x.since)}`).join("; ");
}

// The gauge's own number (rounded once, on the server), so the caption never disagrees. No
// number when too little labour was clocked in over the hour to judge (the server's rule).
function utilisedText(dc) {
  if (dc.utilisation_percent !== null) return `${dc.utilisation_percent}% utilised`;
  return Object.keys(dc.workers_on_shift).length ? "too few clocked in to measure" : "no one clocked in";
}

function rolesText(roles) {
  const entries = Object.entries(roles);
  if (!entries.length) return "nobody clocked in";
  return entries.map(([role, count]) => `${count} ${role}${count === 1 ? "" : "s"}`).join(", ");
}

// ---- the network page ----------------------------------------------------------------------
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
  plot(card.querySelector('[data-chart="gauge"]'), dc.gauge);
  plot(card.querySelector('[data-chart="sparkline"]'), dc.sparkline);
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
const mapBackdrop = kind === "network" ? JSON.parse(document.getElementById("map-backdrop").textContent) : null;
let drawnLaneMap = null;

function renderLaneMap(laneMap) {
  const node = document.getElementById("lane-map");
  if (!node || !laneMap || laneMap === drawnLaneMap) return;
  drawnLaneMap = laneMap;
  node.setAttribute("aria-label", laneMap.summary);
  plot(node, { data: [...mapBackdrop.underlay, ...laneMap.traces, ...mapBackdrop.overlay], layout: mapBackdrop.layout });
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

function renderNetwork() {
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

// ---- the DC page -------------------------------------------------------------------------
const stockView = { sort: "days_of_cover", descending: false, search: "" };

function renderStock(rows) {
  const body = document.querySelector("#stock-table tbody");
  const query = stockView.search.trim().toLowerCase();
  const key = stockView.sort;
  const shown = rows.filter((row) => row.sku.toLowerCase().includes(query));
  shown.sort((a, b) => {
    // Unknown cover (nothing picked) sorts last either way.
    const x = a[key] === null ? Infinity : a[key];
    const y = b[key] === null ? Infinity : b[key];
    const order = typeof x === "string" ? x.localeCompare(y) : x - y;
    return stockView.descending ? -order : order;
  });
  body.replaceChildren(...shown.map((row) => el("tr", { "data-sku": row.sku },
    el("td", { text: row.sku }),
    el("td", { class: `num${row.on_hand <= 0 ? " error" : ""}`, text: num(row.on_hand) }),
    el("td", { class: "num", text: num(row.on_order) }),
    el("td", { class: "num", text: num(row.daily_demand, 1) }),
    el("td", { class: `num${row.days_of_cover !== null && row.days_of_cover < 3 ? " error" : ""}`, text: row.days_of_cover === null ? "–" : num(row.days_of_cover, 1) }))));
  if (!shown.length) body.append(el("tr", {}, el("td", { colspan: "5", class: "muted", text: query ? "No SKU matches." : "No stock recorded yet." })));
}

function renderEvents(events) {
  const body = document.querySelector("#event-table tbody");
  body.replaceChildren(...events.map((event) => el("tr", {},
    el("td", { text: when(event.occurred_at) }), el("td", { text: event.type }), el("td", { text: event.detail }))));
}

function renderDc() {
  const dc = state.dc;
  setText("watermark", when(state.watermark));
  root.dataset.band = dc.band;
  // An origin the log has no work for says so in place of its gauge and labour charts.
  const unmeasured = Boolean(dc.unmeasured);
  for (const node of root.querySelectorAll("[data-measured]")) node.hidden = unmeasured;
  field("unmeasured").hidden = !unmeasured;
  setText("unmeasured", dc.unmeasured || "");
  if (unmeasured) {
    renderStock(state.stock);
    renderEvents(state.events);
    return;
  }
  setText("utilisation", utilisedText(dc));
  setText("on-shift", dc.on_shift_text);
  setText("backlog", `${num(dc.backlog_orders)} orders · ${num(dc.backlog_lines)} lines`);
  setText("throughput", `${num(dc.throughput_lines_per_hour)} lines/h`);
  setText("accuracy", pct(dc.pick_accuracy, 1));
  setText("equipment", equipmentText(dc));
  setText("environment", environmentText(dc));
  plot(root.querySelector('[data-chart="gauge"]'), dc.gauge);
  for (const [name, figure] of Object.entries(state.charts)) plot(root.querySelector(`[data-chart="${name}"]`), figure);
  renderStock(state.stock);
  renderEvents(state.events);
}

function wireStockTable() {
  const table = document.getElementById("stock-table");
  table.querySelectorAll("th[data-sort] button").forEach((button) => {
    button.addEventListener("click", () => {
      const th = button.closest("th");
      const key = th.dataset.sort;
      stockView.descending = stockView.sort === key ? !stockView.descending : false;
      stockView.sort = key;
      table.querySelectorAll("th[data-sort]").forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", stockView.descending ? "descending" : "ascending");
      renderStock(state.stock);
    });
  });
  document.getElementById("stock-search").addEventListener("input", (event) => {
    stockView.search = event.target.value;
    renderStock(state.stock);
  });
}

const render = kind === "network" ? renderNetwork : renderDc;

// ---- the connection ------------------------------------------------------------------------
function setStatus(status, text) {
  const box = document.getElementById("live-status");
  box.dataset.state = status;
  setText("status-text", text, box);
}

function showSignedOut() {
  const box = document.getElementById("live-status");
  box.dataset.state = "signed-out";
  const signIn = el("a", { href: `/login/?next=${encodeURIComponent(window.location.pathname)}`, text: "sign in again" });
  field("status-text", box).replaceChildren("Signed out: ", signIn, ` · showing the state of ${when(state.watermark)}`);
}

function refreshStatus() {
  if (signedOut) return;
  if (socket && socket.readyState === WebSocket.OPEN && lastSeq !== null) {
    const silent = Date.now() - lastMessageAt;
    if (silent > STALE_AFTER_MS) setStatus("stale", `Stale: no word from the server for ${Math.round(silent / 1000)} s`);
    else setStatus("live", `Live · updated ${new Date(lastMessageAt).toLocaleTimeString()}`);
  } else if (retryAt) {
    const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    const why = degraded ? `${degraded} ` : "";
    setStatus(degraded ? "degraded" : "reconnecting", `${why}Reconnecting (attempt ${attempt}) in ${seconds} s · showing the state of ${when(state.watermark)}`);
  }
}

function resync() {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resync" }));
}

function merge(message) {
  if (kind !== "network") {
    state = message;
    return;
  }
  // A delta carries the DCs that changed, and the lanes and their map only when they were
  // recomputed.
  const cards = new Map(state.dcs.map((dc) => [dc.dc, dc]));
  message.dcs.forEach((dc) => cards.set(dc.dc, dc));
  state = { ...state, ...message, dcs: [...cards.values()] };
}

function handle(message) {
  if (message.type === "degraded") {
    degraded = message.detail;
    return;
  }
  if (message.type === "snapshot") {
    state = message;
    lastSeq = message.seq;
    degraded = "";
  } else if (message.type === "delta") {
    if (lastSeq !== null && message.seq <= lastSeq) return;
    const gap = lastSeq !== null && message.seq !== lastSeq + 1;
    merge(message);
    lastSeq = message.seq;
    if (gap) resync();
  } else if (message.type === "heartbeat") {
    if (lastSeq !== null && message.seq > lastSeq) resync();
    return;
  } else {
    return;
  }
  root.dataset.seq = String(lastSeq);
  render();
}

function connect() {
  retryAt = 0;
  setStatus(degraded ? "degraded" : "connecting", degraded ? `${degraded} Connecting…` : "Connecting…");
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.socket}`);
  socket.addEventListener("open", () => {
    attempt = 0;
  });
  socket.addEventListener("message", (event) => {
    lastMessageAt = Date.now();
    handle(JSON.parse(event.data));
    refreshStatus();
  });
  socket.addEventListener("close", (event) => {
    socket = null;
    lastSeq = null;
    if (event.code === CLOSE_SIGNED_OUT) {
      signedOut = true;
      showSignedOut();
      return;
    }
    attempt += 1;
    // Exponential backoff with jitter, so that a restarted server is not hit by every
    // browser at the same instant.
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
    retryAt = Date.now() + delay;
    refreshStatus();
    setTimeout(connect, delay);
  });
}

if (kind === "dc") wireStockTable();
render();
connect();
setInterval(refreshStatus, 1000);
