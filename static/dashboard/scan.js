// The header's scan field: a keyboard-wedge barcode scanner types a code, then Enter.
// Without this script the field is a plain form (type, Enter, the page answers).
// With it: the field has focus on load unless the page focused something else;
// keys typed while nothing editable has focus go into the field (captured on
// keydown, so a fast scanner's first characters are not lost); Enter posts the
// code. A refusal is shown in place (role="alert", red, a short beep) and the page
// stays; anything done opens the page the server names. Scans that come faster
// than the server answers wait their turn, also across that page load.
//
// Loaded in <head> without `defer`: keys typed while the next page is still
// loading are kept and replayed once the field exists.
(function () {
  "use strict";

  var QUEUE = "dashboard-scan-queue";
  var PARTIAL = "dashboard-scan-partial"; // a code half typed when the page went
  var form = null;
  var field = null;
  var result = null;
  var ready = false;
  var early = ""; // keys typed before the page was parsed; "\n" for Enter
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

  function submitScan() {
    if (form.requestSubmit) form.requestSubmit();
    else if (form.dispatchEvent(new Event("submit", { cancelable: true }))) form.submit();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (editable(target) && target !== field) return;
    if (!ready) {
      if (event.key === "Enter") early += "\n";
      else if (event.key && event.key.length === 1) early += event.key;
      else return;
      event.preventDefault();
      return;
    }
    if (!field || target === field) return;
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

  function storageSet(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (error) {
      // No storage (private mode): nothing to keep across pages.
    }
  }

  function storageTake(key) {
    try {
      var value = window.sessionStorage.getItem(key) || "";
      window.sessionStorage.removeItem(key);
      return value;
    } catch (error) {
      return "";
    }
  }

  function queued() {
    try {
      return JSON.parse(window.sessionStorage.getItem(QUEUE) || "[]");
    } catch (error) {
      return [];
    }
  }

  function queueSave(codes) {
    try {
      if (codes.length) window.sessionStorage.setItem(QUEUE, JSON.stringify(codes));
      else window.sessionStorage.removeItem(QUEUE);
    } catch (error) {
      // No storage (private mode): scans then wait in this page only.
    }
  }

  function send(code) {
    screenNow();
    busy = true;
    var body = new FormData(form);
    body.set("code", code);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (answer.url) {
        if (samePage(answer.url)) refresh(answer.url);
        else window.location.assign(answer.url); // the next page sends what is queued
        return;
      }
      busy = false;
      // The scans after a refused one are not sent: the picker looks first.
      var rest = queued();
      queueSave([]);
      var message = answer.message || "?";
      if (rest.length) message += " " + (form.dataset.scanNotSent || "") + " " + rest.join(", ");
      refused(message);
      field.focus();
    }).catch(function () {
      // Not a JSON answer (signed out, a proxy's error page): let the browser post it.
      busy = false;
      queueSave([]);
      field.value = code;
      form.submit();
    });
  }

  function samePage(url) {
    var target = new URL(url, window.location.href);
    return target.origin === window.location.origin && target.pathname === window.location.pathname &&
      target.search === window.location.search;
  }

  // Done on this page (a pick, a unit in the box): its content is read again and put in
  // place, the header and its field stay, so keys typed meanwhile are not lost.
  function refresh(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
      var main = document.getElementById("main");
      if (!fresh || !main) throw new Error("no main");
      main.replaceChildren.apply(main, Array.prototype.map.call(fresh.childNodes, function (node) {
        return document.importNode(node, true);
      }));
      if (window.htmx) window.htmx.process(main);
      if (result) result.hidden = true;
      busy = false;
      if (!document.activeElement || document.activeElement === document.body) field.focus();
      var codes = queued();
      if (codes.length) {
        queueSave(codes.slice(1));
        send(codes[0]);
      }
    }).catch(function () {
      window.location.assign(url);
    });
  }

  function scanned(code) {
    code = code.trim();
    if (!code) return; // a lone Enter: nothing was scanned
    if (busy) queueSave(queued().concat([code]));
    else send(code);
  }

  function start() {
    ready = true;
    form = document.getElementById("scan-form");
    field = document.getElementById("scan");
    result = document.getElementById("scan-result");
    if (!form || !field) return; // the login page has no header
    if (!document.activeElement || document.activeElement === document.body) field.focus();

    field.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        field.value = "";
        if (result) result.hidden = true;
      }
    });
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return; // the plain post answers
      event.preventDefault();
      var code = field.value;
      field.value = "";
      scanned(code);
    });
    // Back to this page from the history: it is not waiting for an answer any more.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) busy = false;
    });

    if (!window.fetch || !window.FormData) return;
    // A code the scanner was typing when the last page went on: its rest is in `early`.
    window.addEventListener("pagehide", function () {
      if (busy && field.value) storageSet(PARTIAL, field.value);
    });
    var partial = storageTake(PARTIAL);
    var parts = (partial + early).split("\n");
    field.value += parts.pop();
    var codes = queued().concat(parts.map(function (part) { return part.trim(); }).filter(Boolean));
    if (codes.length) {
      queueSave(codes.slice(1));
      send(codes[0]);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
