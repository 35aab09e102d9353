// What both live pages share: the state document the page came with, kept current over a
// websocket (a snapshot, then numbered deltas; a gap asks for a new snapshot), and a status
// line that says plainly whether what is shown is live, reconnecting or stale.
import { el, field, setText } from "./dom.js";
import { when } from "./format.js";
import { connectWithBackoff } from "./socket.js";

// The server sends a heartbeat every 10 s when nothing else went out.
const STALE_AFTER_MS = 30000;
const FIRST_RETRY_MS = 500;

export const root = document.querySelector("[data-live]");

// render(state) draws the page; merge(state, delta) is the state after a delta (by default
// the delta is the whole new state).
export function startLive({ render, merge = (_state, delta) => delta }) {
  let state = JSON.parse(document.getElementById("live-document").textContent);
  let lastSeq = null;
  let lastMessageAt = 0;
  let connection = { state: "connecting" };
  // Why live updates paused, as the server said it (Redis away); cleared by the next snapshot.
  let degraded = "";
  const box = document.getElementById("live-status");

  function setStatus(status, text) {
    box.dataset.state = status;
    setText("status-text", text, box);
  }

  function showSignedOut() {
    box.dataset.state = "signed-out";
    const signIn = el("a", { href: `/login/?next=${encodeURIComponent(window.location.pathname)}`, text: "sign in again" });
    field("status-text", box).replaceChildren("Signed out: ", signIn, ` · showing the state of ${when(state.watermark)}`);
  }

  function refreshStatus() {
    if (connection.state === "signed-out") return;
    if (connection.state === "connecting") {
      setStatus(degraded ? "degraded" : "connecting", degraded ? `${degraded} Connecting…` : "Connecting…");
    } else if (connection.state === "open" && lastSeq !== null) {
      const silent = Date.now() - lastMessageAt;
      if (silent > STALE_AFTER_MS) setStatus("stale", `Stale: no word from the server for ${Math.round(silent / 1000)} s`);
      else setStatus("live", `Live · updated ${new Date(lastMessageAt).toLocaleTimeString()}`);
    } else if (connection.state === "closed") {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - Date.now()) / 1000));
      const why = degraded ? `${degraded} ` : "";
      setStatus(degraded ? "degraded" : "reconnecting", `${why}Reconnecting (attempt ${connection.attempt}) in ${seconds} s · showing the state of ${when(state.watermark)}`);
    }
  }

  let socket = null;
  const resync = () => socket.send({ type: "resync" });

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
      state = merge(state, message);
      lastSeq = message.seq;
      if (gap) resync();
    } else if (message.type === "heartbeat") {
      if (lastSeq !== null && message.seq > lastSeq) resync();
      return;
    } else {
      return;
    }
    root.dataset.seq = String(lastSeq);
    render(state);
  }

  render(state);
  socket = connectWithBackoff(root.dataset.socket, {
    firstRetryMs: FIRST_RETRY_MS,
    onMessage(message) {
      lastMessageAt = Date.now();
      handle(message);
      refreshStatus();
    },
    onState(change) {
      connection = change;
      if (change.state !== "open") lastSeq = null;
      if (change.state === "signed-out") showSignedOut();
      else refreshStatus();
    },
  });
  window.setInterval(refreshStatus, 1000);
  return { current: () => state };
}
