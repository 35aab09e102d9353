// The approvers' badge: recommendations waiting for a decision, pushed over a websocket
// whenever one is proposed or decided.
import { connectWithBackoff } from "./socket.js";

const badge = document.querySelector("[data-decisions-badge]");

function show(count) {
  badge.textContent = String(count);
  badge.classList.toggle("badge-empty", count === 0);
  badge.setAttribute("aria-label", `${count} waiting for approval`);
}

if (badge) {
  connectWithBackoff(badge.dataset.decisionsBadge, {
    onMessage(message) {
      if (message.type === "pending") show(message.count);
    },
  });
}
