// Custom field form: show the options editor only for the select types. Without this script the editor is
// always shown and its text is ignored for other types.
document.addEventListener("DOMContentLoaded", () => {
  const type = document.querySelector("[data-field-type]");
  const options = document.querySelector("[data-select-types]");
  const group = options && options.closest("[data-options-group]");
  if (!type || !group) return;
  const selectTypes = options.dataset.selectTypes.split(" ");
  const update = () => { group.hidden = !selectTypes.includes(type.value); };
  type.addEventListener("change", update);
  update();
});
