// A websocket to one of the twin's paths that reconnects after a close, with exponential
// backoff and jitter, so that a restarted server is not hit by every open page at once.
// onState(true|false) hears when the socket opens and closes.
// The server closes with 4401 when the session that opened the socket has ended: another
// attempt would be refused too, so the page stays as it is until the user signs in again.
const CLOSE_SIGNED_OUT = 4401;

export function connectWithBackoff(path, onMessage, onState = () => {}) {
  let delay = 1000;
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      onState(true);
    });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      onState(false);
      if (event.code === CLOSE_SIGNED_OUT) return;
      const wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 15000);
      window.setTimeout(connect, wait);
    });
  }
  connect();
}
