// The back office's only script (CSP script-src 'self'); every page works without it. It asks before
// destructive forms (data-confirm) and stops a second submit of forms that post once (data-once); the
// server makes a repeated adjustment post once anyway (its form carries an Idempotency-Key).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if ("once" in form.dataset) {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  }
});
