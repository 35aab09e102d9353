// A running comparison's progress, pushed over its websocket after every replication.
// When the run ends (done, failed, cancelled) the page reloads once to draw the results.
import { connectWithBackoff } from "./socket.js";

const root = document.querySelector("[data-comparison-socket]");

function show(message) {
  const bar = root.querySelector("progress");
  bar.max = message.total;
  bar.value = message.done;
  root.querySelector("[data-field=progress-text]").textContent = message.text;
  if (message.status !== root.dataset.status) window.location.reload();
}

if (root && root.dataset.status === "running") {
  connectWithBackoff(root.dataset.comparisonSocket, {
    onMessage(message) {
      if (message.type === "progress") show(message);
    },
    onState({ state }) {
      root.dataset.connected = String(state === "open");
    },
  });
}
