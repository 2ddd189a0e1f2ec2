// Thẩm định (review list): tick lines, tick all on the page, count the ticked lines.
// Loaded after htmx; no inline scripts or styles (Content-Security-Policy).
(function () {
  "use strict";
  if (window.htmx) {
    // No <style> injected by htmx, and refusals (4xx) are shown in place like successes.
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "[4]..", swap: true, error: false },
      { code: "...", swap: false, error: true },
    ];
  }

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#review-table input.pick"));
  }

  function refresh() {
    var all = picks();
    var ticked = all.filter(function (box) { return box.checked; }).length;
    var count = document.getElementById("picked-count");
    if (count) count.textContent = String(ticked);
    var master = document.getElementById("pick-all");
    if (master) {
      master.checked = all.length > 0 && ticked === all.length;
      master.indeterminate = ticked > 0 && ticked < all.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "pick-all") {
      picks().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.id === "pick-all" || target.classList.contains("pick")) refresh();
  });
  // Enter in the reason or date of the bulk bar means "return", never the first button
  // of the form ("accept").
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.form || target.form.id !== "bulk-form") return;
    if (target.tagName !== "INPUT" || target.type !== "text") return;
    event.preventDefault();
    document.getElementById("bulk-return").click();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
