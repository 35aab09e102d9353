// Draws plotly figures built on the server (apps/*/charts.py): every figure a page embeds
// as JSON, on load and after each htmx swap, and any figure a page's own script passes to
// plot(). No "Share chart..." button: plotly's would upload the figure, business figures
// and all, to Plotly Cloud.
const CONFIG = { responsive: true, displaylogo: false, showSendToCloud: false };
// Small live charts (gauges, sparklines) update every few seconds: no mode bar over them.
const BARE = { ...CONFIG, displayModeBar: false };

// Draw the figure in node, or, when the server sent none (its caption says why), hide it.
export function plot(node, figure, { bare = false } = {}) {
  if (!node || !window.Plotly) return;
  node.hidden = !figure;
  if (figure) window.Plotly.react(node, figure.data, figure.layout, bare ? BARE : CONFIG);
  else window.Plotly.purge(node);
}

export function drawFigure(element) {
  const source = document.getElementById(element.dataset.plotlyFigure);
  if (!source) return;
  const figure = JSON.parse(source.textContent);
  window.Plotly.react(element, figure.data, figure.layout, CONFIG);
  element.dataset.drawn = "true";
}

function drawAll(root) {
  root.querySelectorAll("[data-plotly-figure]").forEach(drawFigure);
}

drawAll(document);
document.body.addEventListener("htmx:afterSwap", (event) => drawAll(event.target));
