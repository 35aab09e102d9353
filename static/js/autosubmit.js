// Submits a form marked data-autosubmit as soon as one of its fields changes (the Decisions
// page's status filter): a module rather than an inline onchange, which the page's
// Content-Security-Policy refuses to run. Listening on the document also covers forms that
// htmx swaps in later.
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (form && form.matches("[data-autosubmit]")) form.requestSubmit();
});
