// The approvers' badge: recommendations waiting for a decision, pushed over a websocket
// whenever one is proposed or decided; reconnects with backoff.
const badge = document.querySelector("[data-decisions-badge]");

function show(count) {
  badge.textContent = String(count);
  badge.classList.toggle("badge-empty", count === 0);
  badge.setAttribute("aria-label", `${count} waiting for approval`);
}

function connect(delay) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${badge.dataset.decisionsBadge}`);
  socket.addEventListener("open", () => { delay = 1000; });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "pending") show(message.count);
  });
  socket.addEventListener("close", () => {
    const next = Math.min(delay * 2, 15000);
    window.setTimeout(() => connect(next), delay * (0.5 + Math.random()));
  });
}

if (badge) connect(1000);
