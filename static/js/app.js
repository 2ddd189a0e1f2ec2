// Behaviour that used to be inline attributes (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof Element && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });
  // <a data-history-back href="fallback">: go back when there is a page to go back to.
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
