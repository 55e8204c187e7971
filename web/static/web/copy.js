/* Wheelhouse: "Copy" buttons, as progressive enhancement.

   A button <button type="button" data-copy="ID" hidden> copies the text of the element
   with that id. Buttons stay hidden without JavaScript or without the clipboard API (the
   text is selectable anyway); the result is announced in the page's #copy-status region. */
(function () {
  "use strict";

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function enable(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        // The label stays (it names what is copied); the colour and the status region tell.
        button.setAttribute("data-copied", "");
        announce("Copied to the clipboard.");
        window.setTimeout(function () { button.removeAttribute("data-copied"); }, 1500);
      }, function () {
        announce("Copying failed: select the text and copy it by hand.");
      });
    });
  }

  function start() {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), enable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
