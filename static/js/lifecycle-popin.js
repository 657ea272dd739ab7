// Dated confirmation pop-in before deactivating an account (M-Gestion, M-Contributions).
// Without JavaScript the link leads to the confirmation page instead.
(function () {
  "use strict";
  if (window.lifecyclePopinReady) {
    return;
  }
  window.lifecyclePopinReady = true;
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-lifecycle-popin]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-lifecycle-popin"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-lifecycle-popin-close]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) {
        parent.close();
      }
    }
  });
})();
