// Sign-up: once a valid SIRET is typed, say whether the establishment already has an
// account (the sign-up then becomes a request to its administrator), or that it is the
// organisation one is invited to (its kind and name are then not asked). Without
// JavaScript the same notice appears when the form is shown again.
(function () {
  "use strict";
  var input = document.getElementById("id_siret");
  var notice = document.getElementById("siret-notice");
  if (!input || !notice || !window.fetch) {
    return;
  }
  var url = notice.getAttribute("data-check-url");
  // Kind and legal name are not asked for the organisation one is invited to.
  function showOrganisationFields(show) {
    var fields = document.querySelectorAll("[data-organisation-field]");
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = !show;
    }
  }
  var last = null;
  function check() {
    var siret = input.value.replace(/\s+/g, "");
    if (siret.length !== 14 || siret === last) {
      if (siret.length !== 14) {
        notice.textContent = "";
        showOrganisationFields(true);
        last = null;
      }
      return;
    }
    last = siret;
    fetch(url + "?siret=" + encodeURIComponent(siret), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { notice: "" }; })
      .then(function (data) {
        notice.textContent = data.notice || "";
        showOrganisationFields(!data.invited);
      })
      .catch(function () {
        notice.textContent = "";
        showOrganisationFields(true);
      });
  }
  input.addEventListener("input", check);
  input.addEventListener("change", check);
  check();
})();
