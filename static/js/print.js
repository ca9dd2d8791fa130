// The read-only form page: the 打印 button prints the page with the A4 stylesheet.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
