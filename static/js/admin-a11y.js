// Back-office: Django's two-list selector (filter_horizontal, SelectFilter2.js) adds
// an icon <span aria-label="..."> with no role, which ARIA prohibits (axe:
// aria-prohibited-attr). Each such icon is given role="img" as soon as it is inserted.
(function () {
  "use strict";
  function fix(root) {
    if (!root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.parentNode) {
          fix(node.parentNode);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
