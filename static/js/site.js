// Every page: confirmations before a step that cannot be taken back, and the input that
// the form page keeps in this browser (evaluation_form.js) forgotten when it is of no use.
(function () {
  "use strict";

  var DRAFT_PREFIX = "selfeval:draft:";

  // <button data-confirm="…">: asks before the form is sent (提交审核, 审核通过, 退回修改 …).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function forget(test) {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(DRAFT_PREFIX) === 0 && test(key)) { window.localStorage.removeItem(key); }
      }
    } catch (error) { /* storage disabled: nothing was kept */ }
  }

  // Signing out on purpose: nothing typed stays behind on a shared computer.
  var logout = document.getElementById("logout-form");
  if (logout) { logout.addEventListener("submit", function () { forget(function () { return true; }); }); }

  // A form shown read-only (submitted, approved …): its kept input can no longer be saved.
  document.querySelectorAll("[data-drop-draft]").forEach(function (marker) {
    var key = DRAFT_PREFIX + marker.dataset.dropDraft;
    forget(function (stored) { return stored === key; });
  });
})();
