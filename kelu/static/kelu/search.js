// The header search box: "/" focuses it, arrow keys move through the results htmx puts below it, Enter opens one,
// Escape closes the list. Without JavaScript the box is a plain form to the search page.
(function () {
  "use strict";

  function parts() {
    const input = document.querySelector(".global-search input[name=q]");
    const list = document.getElementById("global-search-results");
    return input && list ? { input, list } : null;
  }

  function options(list) {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function show(found, open) {
    found.list.classList.toggle("show", open);
    found.input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function select(found, index) {
    const items = options(found.list);
    items.forEach((item, i) => item.classList.toggle("active", i === index));
    const chosen = items[index];
    if (chosen) {
      found.input.setAttribute("aria-activedescendant", chosen.id || "");
      chosen.scrollIntoView({ block: "nearest" });
    } else {
      found.input.removeAttribute("aria-activedescendant");
    }
  }

  document.addEventListener("keydown", (event) => {
    const found = parts();
    if (!found) return;
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      found.input.focus();
      found.input.select();
      return;
    }
    if (event.target !== found.input) return;
    const items = options(found.list);
    const current = items.findIndex((item) => item.classList.contains("active"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      show(found, true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      select(found, (current + step + items.length) % items.length);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.assign(items[current].href);
    } else if (event.key === "Escape") {
      show(found, false);
      select(found, -1);
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const found = parts();
    if (!found || event.target !== found.list) return;
    show(found, found.list.children.length > 0);
    select(found, -1);
  });

  document.addEventListener("click", (event) => {
    const found = parts();
    if (found && !event.target.closest(".global-search")) show(found, false);
  });
})();
