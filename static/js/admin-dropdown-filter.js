// Admin's drop-down list filters: choosing an option opens the list filtered by it.
document.addEventListener("change", function (event) {
  if (event.target.classList && event.target.classList.contains("hod-dropdown-filter")) {
    window.location.search = event.target.value;
  }
});
