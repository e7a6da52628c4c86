/*
 * Progressive enhancement for homthu's public pages. Every page works without
 * this file (Tor Browser "safest" mode); it only smooths the edges. Loaded
 * with `defer`, so the DOM is ready when it runs. No frameworks, no network.
 */
(function () {
  "use strict";

  // Set just before a deliberate navigation so the receipt page's
  // "are you sure?" prompt never delays a quick exit or a confirmed Done.
  var leavingOnPurpose = false;

  /** Quick exit: replace this page in history so Back does not return here. */
  function setupQuickExit() {
    var links = document.querySelectorAll("a.quick-exit");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var url = link.getAttribute("data-url") || link.href;
        if (!url) return;
        event.preventDefault();
        leavingOnPurpose = true;
        window.location.replace(url);
      });
    });
  }

  /** Move focus to the error summary so screen readers and keyboards start there. */
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  /**
   * Narrow the commune list to the chosen district. Optgroups cannot be hidden
   * reliably (iOS Safari ignores it), so the select is rebuilt from the
   * original groups each time the district changes.
   */
  function setupCommuneFilter() {
    var district = document.getElementById("districtCode");
    var commune = document.getElementById("communeCode");
    if (!district || !commune) return;

    var groups = Array.prototype.slice.call(commune.querySelectorAll("optgroup[data-district]"));
    if (groups.length === 0) return;

    function render() {
      var chosen = district.value;
      var keep = commune.value;
      groups.forEach(function (group) {
        if (group.parentNode) group.parentNode.removeChild(group);
      });
      groups.forEach(function (group) {
        if (!chosen || group.getAttribute("data-district") === chosen) commune.appendChild(group);
      });
      // Restores the previous pick when still listed; otherwise falls back to the empty option.
      commune.value = keep;
      if (commune.value !== keep) commune.value = "";
    }

    // Picking a commune first fills in its district, so the two never disagree.
    commune.addEventListener("change", function () {
      var option = commune.options[commune.selectedIndex];
      var group = option && option.parentNode;
      if (group && group.tagName === "OPTGROUP" && !district.value) {
        district.value = group.getAttribute("data-district") || "";
        render();
      }
    });
    district.addEventListener("change", render);
    render();
  }

  /** Live character count for the description (limits come from data attributes). */
  function setupCounter() {
    var field = document.getElementById("description");
    var counter = document.getElementById("description-counter");
    if (!field || !counter) return;

    var min = Number(counter.getAttribute("data-min")) || 0;
    var max = Number(counter.getAttribute("data-max")) || Infinity;
    // A separate, quieter live region: announcing every keystroke would drown the user.
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    counter.parentNode.insertBefore(live, counter.nextSibling);
    var announceTimer = null;

    function fill(template, values) {
      return String(template || "").replace(/\{(\w+)\}/g, function (match, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
      });
    }

    function update() {
      // Trimmed, as the server counts it: leading and trailing spaces do not count.
      var count = field.value.trim().length;
      var text;
      if (count < min) {
        text = fill(counter.getAttribute("data-short"), { remaining: min - count, count: count, min: min, max: max });
      } else if (count > max) {
        text = fill(counter.getAttribute("data-over"), { over: count - max, count: count, min: min, max: max });
      } else {
        text = fill(counter.getAttribute("data-ok"), { count: count, min: min, max: max });
      }
      counter.textContent = text;
      counter.classList.toggle("is-invalid", count > max || (count > 0 && count < min));
      return text;
    }

    field.addEventListener("input", function () {
      var text = update();
      clearTimeout(announceTimer);
      announceTimer = setTimeout(function () {
        live.textContent = text;
      }, 1200);
    });
    counter.hidden = false;
    update();
  }

  /**
   * Receipt page: "Done" stays locked and leaving asks for confirmation until
   * the tipster ticks "I have written it down". Done replaces the page in
   * history so Back cannot bring the receipt up again on a shared device.
   */
  function setupReceipt() {
    var box = document.getElementById("confirm-saved");
    var done = document.querySelector("a.done-link");
    if (!box || !done) return;
    var lockedMessage = document.getElementById("done-locked");

    function sync() {
      if (box.checked) {
        done.removeAttribute("aria-disabled");
        if (lockedMessage) lockedMessage.hidden = true;
        done.removeAttribute("aria-describedby");
      } else {
        done.setAttribute("aria-disabled", "true");
        if (lockedMessage) done.setAttribute("aria-describedby", lockedMessage.id);
      }
    }

    done.addEventListener("click", function (event) {
      event.preventDefault();
      if (!box.checked) {
        if (lockedMessage) lockedMessage.hidden = false;
        box.focus();
        return;
      }
      leavingOnPurpose = true;
      window.location.replace(done.href);
    });

    window.addEventListener("beforeunload", function (event) {
      if (box.checked || leavingOnPurpose) return;
      // Browsers show their own wording; the text is set for the few that still use it.
      var container = box.closest("[data-leave-warning]");
      var message = container ? container.getAttribute("data-leave-warning") : "";
      event.preventDefault();
      event.returnValue = message;
      return message;
    });

    box.addEventListener("change", sync);
    sync();
  }

  setupQuickExit();
  setupCommuneFilter();
  setupCounter();
  setupReceipt();
  focusErrorSummary();
})();
