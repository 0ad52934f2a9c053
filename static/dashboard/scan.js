// The header's scan field: a keyboard-wedge barcode scanner types a code, then Enter.
// Without this script the field is a plain form (type, Enter, the page answers).
// With it: the field has focus on load unless the page focused something else;
// keys typed while nothing editable has focus go into the field (captured on
// keydown, so the first characters of a fast scanner are not lost); Enter posts
// the code. A refusal is shown in place (role="alert", red, a short beep) and the
// page stays; anything done opens the page the server names.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var field = document.getElementById("scan");
  if (!form || !field) return; // the login page has no header
  var result = document.getElementById("scan-result");
  var busy = false;
  var audio = null;

  function editable(element) {
    if (!element || element === document.body || element === document.documentElement) {
      return false;
    }
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // Buttons, links and the like: Space and Enter keep doing what they do there.
  function activatable(element) {
    return !!(element && element.closest && element.closest("button, a[href], summary, [role=button]"));
  }

  if (!editable(document.activeElement) &&
      (!document.activeElement || document.activeElement === document.body)) {
    field.focus();
  }

  function submitScan() {
    if (form.requestSubmit) form.requestSubmit();
    else form.dispatchEvent(new Event("submit", { cancelable: true })) && form.submit();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (target === field || editable(target)) return;
    if (event.key === "Enter") {
      if (!field.value) return; // Enter on a button or link does what it always does
      event.preventDefault();
      submitScan();
      return;
    }
    if (!event.key || event.key.length !== 1) return; // Tab, arrows, F-keys...
    if (event.key === " " && (activatable(target) || !field.value)) return;
    event.preventDefault();
    field.value += event.key;
    field.focus();
  }, true);

  field.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      field.value = "";
      if (result) result.hidden = true;
    }
  });

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = 330;
      gain.gain.value = 0.15;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.3);
    } catch (error) {
      // No sound is no reason to fail: the message is there.
    }
  }

  function refused(message) {
    if (result) {
      result.textContent = message;
      result.hidden = false;
    }
    form.setAttribute("data-scan-refused", "");
    beep();
  }

  // The order panel may have moved on (htmx swaps it): say which screen it is now.
  function screenNow() {
    var screen = document.getElementById("scan-screen");
    var panel = document.getElementById("order-panel");
    if (!screen || !panel || !panel.dataset.status) return;
    screen.value = { picking: "pick", packing: "pack" }[panel.dataset.status] || "";
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return; // the plain post answers
    event.preventDefault();
    if (busy) return;
    screenNow();
    busy = true;
    var body = new FormData(form);
    field.value = "";
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (answer.url) {
        window.location.assign(answer.url);
        return;
      }
      busy = false;
      refused(answer.message || "?");
      field.focus();
    }).catch(function () {
      // Not a JSON answer (signed out, a proxy's error page): let the browser post it.
      busy = false;
      field.value = body.get("code") || "";
      form.submit();
    });
  });
})();
