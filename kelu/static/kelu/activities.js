// The interaction form shows the fields of the chosen kind only (a call's direction and outcome, a visit's place...).
// Without this script every field shows, and the server keeps what was entered.
// Dialling a contact's number (a tel: link with "Log this call" beside it) also opens the call form on the page, so
// the call is logged when it ends.
(() => {
  const sync = (form) => {
    const kind = form.querySelector("[name='kind']");
    if (!kind) return;
    form.querySelectorAll("[data-kinds]").forEach((group) => {
      group.hidden = !group.dataset.kinds.split(" ").includes(kind.value);
    });
  };
  const scan = (root) => root.querySelectorAll("form[data-activity-form]").forEach(sync);
  document.addEventListener("DOMContentLoaded", () => scan(document));
  document.addEventListener("htmx:afterSettle", () => scan(document));
  document.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-activity-form]");
    if (form && event.target.name === "kind") sync(form);
  });
  document.addEventListener("click", (event) => {
    const dial = event.target.closest("a[href^='tel:']");
    const log = dial && dial.parentElement.querySelector("a[data-log-call]");
    const slot = document.getElementById("timeline-new");
    if (log && slot && window.htmx) {
      window.htmx.ajax("GET", log.getAttribute("href"), { target: slot });
    }
  });
})();
