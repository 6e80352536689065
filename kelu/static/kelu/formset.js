// Phones and emails in customer and contact forms: add rows and remove them without a round trip. Without this
// script the form still works: it shows a few empty rows, and clearing a value removes it.
(() => {
  const show = (root) => {
    root.querySelectorAll("[data-add-point], [data-remove-point]").forEach((button) => { button.hidden = false; });
  };
  document.addEventListener("DOMContentLoaded", () => show(document));
  document.addEventListener("htmx:afterSwap", (event) => show(event.target));
  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-point]");
    if (add) {
      const prefix = add.dataset.addPoint;
      const form = add.closest("form");
      const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
      const template = form.querySelector(`template[data-point-template="${prefix}"]`);
      const html = template.innerHTML.replaceAll("__prefix__", total.value);
      const rows = form.querySelector(`[data-point-rows="${prefix}"]`);
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(Number(total.value) + 1);
      show(rows.lastElementChild);
      rows.lastElementChild.querySelector("input[name$='-value']").focus();
      return;
    }
    const remove = event.target.closest("[data-remove-point]");
    if (remove) {
      const row = remove.closest("[data-point-row]");
      row.querySelectorAll("input[name$='-value']").forEach((input) => { input.value = ""; });
      row.hidden = true;
    }
  });
})();
