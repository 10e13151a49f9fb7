// A form sent back with errors: move focus to the summary, so a screen reader reads it first and a
// keyboard user starts from its links (each leads to its field).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-hod-focus]");
  if (summary) {
    summary.focus();
  }
  for (const link of document.querySelectorAll("#form-errors a[href^='#']")) {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  }
});
