"""What the browser refused under the Content-Security-Policy, for the browser tests that
check pages run under it: each `securitypolicyviolation` event the page fired, and each CSP
message Chromium wrote to the console (it also reports what blocked eval and workers)."""

from playwright.sync_api import ConsoleMessage, Page

# Added to every document before its own scripts run, so that nothing refused while the
# page loads goes unheard.
_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || "page"}:${event.lineNumber}: ${event.sample})`);
});
"""
_console: dict[Page, list[str]] = {}


def _is_csp(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text or "Content-Security-Policy" in message.text


def csp_watch(page: Page) -> None:
    """Start listening on this page (once; later documents it opens are heard too)."""
    if page in _console:
        return
    heard: list[str] = []
    page.add_init_script(_LISTEN)
    page.on("console", lambda message: heard.append(message.text) if _is_csp(message) else None)
    _console[page] = heard


def csp_refusals(page: Page) -> list[str]:
    """What was refused since the last call: on the current document, and on the console of
    every document the page opened in between."""
    in_document = page.evaluate("window.__cspViolations || []")
    heard = _console.get(page, [])
    refused = [*in_document, *heard]
    heard.clear()
    page.evaluate("window.__cspViolations = []")
    return refused
