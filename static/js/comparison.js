// A running comparison's progress, pushed over its websocket after every replication.
// When the run ends (done, failed, cancelled) the page reloads once to draw the results.
const root = document.querySelector("[data-comparison-socket]");

function show(message) {
  const bar = root.querySelector("progress");
  bar.max = message.total;
  bar.value = message.done;
  const eta = message.eta_seconds ? `, about ${Math.round(message.eta_seconds)} s to go` : "";
  root.querySelector("[data-field=progress-text]").textContent =
    `${message.done} of ${message.total} replications done${eta}.`;
  if (message.status !== root.dataset.status) window.location.reload();
}

function connect(delay) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.comparisonSocket}`);
  socket.addEventListener("open", () => { delay = 1000; });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "progress") show(message);
  });
  socket.addEventListener("close", () => {
    const next = Math.min(delay * 2, 15000);
    window.setTimeout(() => connect(next), delay * (0.5 + Math.random()));
  });
}

if (root && root.dataset.status === "running") connect(1000);
