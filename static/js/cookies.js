/* Cookie banner, progressive enhancement.
 * Without JavaScript the banner's forms POST and the server redirects back.
 * With it, the choice is sent with fetch, the banner closes in place, and the
 * audience-measurement script (if configured) is loaded only after "Tout accepter":
 * its URL comes in the server's answer to that choice, never before.
 */
(function () {
  "use strict";
  var banner = document.getElementById("cookie-banner");
  if (!banner || !window.fetch || !window.FormData) {
    return;
  }
  function loadAudience(src) {
    if (!src || document.querySelector("script[data-legal-audience]")) {
      return;
    }
    var script = document.createElement("script");
    script.src = src;
    script.defer = true;
    script.setAttribute("data-legal-audience", "");
    document.body.appendChild(script);
  }
  banner.querySelectorAll("form.cookie-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter) {
        return; /* old browser: let the form POST normally */
      }
      event.preventDefault();
      var data = new FormData(form);
      data.append(submitter.name, submitter.value);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("cookie choice refused");
          }
          return response.json();
        })
        .then(function (result) {
          banner.hidden = true;
          if (result.audience) {
            loadAudience(result.audience_src);
          }
        })
        .catch(function () {
          form.submit();
        });
    });
  });
})();
