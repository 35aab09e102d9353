// A websocket to one of the twin's paths that reconnects after a close, with exponential
// backoff and jitter, so that a restarted server is not hit by every open page at once.
// Every page that listens to the server uses this one.
//
// onState hears each change: { state: "connecting" }, { state: "open" },
// { state: "closed", attempt, retryAt } (the next attempt's number and time, in ms since
// the epoch) or { state: "signed-out" }. The server closes with 4401 when the session that
// opened the socket has ended: another attempt would be refused too, so none is made.
const CLOSE_SIGNED_OUT = 4401;
const RETRY_MAX_MS = 15000;

export function connectWithBackoff(path, { onMessage, onState = () => {}, firstRetryMs = 1000 }) {
  let socket = null;
  let attempt = 0;
  function connect() {
    onState({ state: "connecting" });
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      attempt = 0;
      onState({ state: "open" });
    });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === CLOSE_SIGNED_OUT) {
        onState({ state: "signed-out" });
        return;
      }
      attempt += 1;
      const delay = Math.min(RETRY_MAX_MS, firstRetryMs * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
      onState({ state: "closed", attempt, retryAt: Date.now() + delay });
      window.setTimeout(connect, delay);
    });
  }
  connect();
  return {
    isOpen: () => socket !== null && socket.readyState === WebSocket.OPEN,
    send(message) {
      if (this.isOpen()) socket.send(JSON.stringify(message));
    },
  };
}
