// Progressive enhancement only: every page works the same without this file.
(function () {
  "use strict";

  // Search form: leave empty fields (and fields left at their default) out of the URL, so the address
  // bar shows a clean, shareable query (without JavaScript the server redirects empty fields away).
  document.querySelectorAll("form[data-strip-empty]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.disabled) {
          return;
        }
        var value = field.value.trim();
        if (value !== "" && value !== field.getAttribute("data-default")) {
          params.append(field.name, field.value);
        }
      });
      event.preventDefault();
      var query = params.toString();
      window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
    });
  });

  // "Copy citation" buttons: shown only where the clipboard can be written.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
})();
