// The live DC page: its gauge, labour charts, stock table and latest events, redrawn from
// the live state (live.js) as it changes.
import { plot } from "./charts.js";
import { el, field, setText } from "./dom.js";
import { num, pct, when } from "./format.js";
import { root, startLive } from "./live.js";
import { environmentText, equipmentText, utilisedText } from "./live-text.js";

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

function renderDc(state) {
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
  plot(root.querySelector('[data-chart="gauge"]'), dc.gauge, { bare: true });
  for (const [name, figure] of Object.entries(state.charts)) plot(root.querySelector(`[data-chart="${name}"]`), figure, { bare: true });
  renderStock(state.stock);
  renderEvents(state.events);
}

function wireStockTable(live) {
  const table = document.getElementById("stock-table");
  table.querySelectorAll("th[data-sort] button").forEach((button) => {
    button.addEventListener("click", () => {
      const th = button.closest("th");
      const key = th.dataset.sort;
      stockView.descending = stockView.sort === key ? !stockView.descending : false;
      stockView.sort = key;
      table.querySelectorAll("th[data-sort]").forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", stockView.descending ? "descending" : "ascending");
      renderStock(live.current().stock);
    });
  });
  document.getElementById("stock-search").addEventListener("input", (event) => {
    stockView.search = event.target.value;
    renderStock(live.current().stock);
  });
}

// The table's controls re-sort the rows the page shows now, between messages.
wireStockTable(startLive({ render: renderDc }));
