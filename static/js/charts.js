// Draws every plotly figure the server embedded in the page as JSON (see apps/*/charts.py).
// No "Share chart..." button: plotly's would upload the figure, business figures and all, to
// Plotly Cloud.
const CONFIG = { responsive: true, displaylogo: false, showSendToCloud: false };

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
