// The form page. Every number is computed by the server: htmx posts the form to
// the recalculate endpoint and swaps in the computed cells. This file only
//   - keeps 得分 following the rule's suggestion until the filler types their own,
//   - shows the tier choice for qualitative rows and asks for a reason on an override,
//   - offers the indicator library under a 三级 name,
//   - keeps unsaved input in this browser and offers it back, guards against an expired
//     session, lets a removed row be put back until the next save.
(function () {
  "use strict";

  var form = document.getElementById("evaluation-form");
  if (!form) { return; }
  var menu = document.getElementById("library-menu");
  var dirty = false;

  // --- unsaved changes -----------------------------------------------------------
  // What is typed is kept in this browser (localStorage, per form) until it is saved, so
  // that an expired session, a closed tab or a crash loses nothing: the page offers it
  // back the next time the form is opened. The app's own buttons and links never ask
  // "leave site?": a save or a submit sends the input, a link leaves it kept here.
  var DRAFT_KEY = "selfeval:draft:" + form.dataset.evaluation;
  var NOT_COMPARED = { csrfmiddlewaretoken: true, version: true, checked: true };
  var keepTimer = null;

  function entries() {
    var list = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { list.push([name, value]); }
    });
    return list;
  }
  function comparable(list) {
    return JSON.stringify(list.filter(function (entry) { return !(entry[0] in NOT_COMPARED); }));
  }
  function keepDraft() {
    clearTimeout(keepTimer);
    try {
      window.localStorage.setItem(DRAFT_KEY, JSON.stringify(
        { version: form.dataset.version, at: Date.now(), fields: entries() }));
    } catch (error) { /* storage full or disabled: the page itself still holds the input */ }
  }
  function readDraft() {
    try { return JSON.parse(window.localStorage.getItem(DRAFT_KEY) || "null"); } catch (error) { return null; }
  }
  function dropDraft() {
    try { window.localStorage.removeItem(DRAFT_KEY); } catch (error) { /* nothing kept */ }
  }

  function markDirty() {
    dirty = true;
    var note = document.getElementById("dirty-note");
    if (note) { note.hidden = false; }
    clearTimeout(keepTimer);
    keepTimer = setTimeout(keepDraft, 300);
  }
  form.addEventListener("input", markDirty);
  form.addEventListener("submit", function () { keepDraft(); dirty = false; });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && dirty && !event.defaultPrevented && link.target !== "_blank") { keepDraft(); dirty = false; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { keepDraft(); event.preventDefault(); event.returnValue = ""; }
  });

  // Post a set of fields to the row endpoint, which renders the table as posted (nothing
  // is saved): restores kept input, and undoes a row's removal.
  function showFields(fields) {
    var carrier = document.createElement("form");
    carrier.hidden = true;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fields.forEach(function (entry) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = entry[0];
      // The sign-in after an expired session changed the token: use this page's.
      input.value = entry[0] === "csrfmiddlewaretoken" && token ? token.value : entry[1];
      carrier.appendChild(input);
    });
    document.body.appendChild(carrier);
    return htmx.ajax("POST", form.dataset.rowsUrl, {
      source: carrier, target: "#evaluation-table", swap: "outerHTML",
    }).then(function () { carrier.remove(); markDirty(); });
  }

  var restore = document.getElementById("draft-restore");
  var kept = readDraft();
  if (kept && kept.fields && restore) {
    if (comparable(kept.fields) === comparable(entries())) {
      // Saved (or shown again as typed after a refusal): nothing of it is missing here.
      if (form.dataset.unsaved !== "1") { dropDraft(); }
    } else {
      var when = new Date(kept.at);
      var text = "本浏览器中保存有此表尚未保存的输入（" + when.toLocaleString("zh-CN") + "）。";
      if (String(kept.version) !== form.dataset.version) {
        text += "那时此表为第 " + kept.version + " 版，现在是第 " + form.dataset.version +
          " 版：恢复后保存时，会先显示两者的差别。";
      }
      document.getElementById("draft-restore-text").textContent = text;
      restore.hidden = false;
      document.getElementById("draft-restore-apply").addEventListener("click", function () {
        restore.hidden = true;
        showFields(kept.fields);
      });
      document.getElementById("draft-restore-discard").addEventListener("click", function () {
        restore.hidden = true;
        dropDraft();
      });
    }
  }
  if (form.dataset.unsaved === "1") { markDirty(); }  // a refused save: still not stored

  // A removed 三级 row can be put back, with what was typed in it, until the next save.
  var removed = [];
  var removing = false;
  var undo = document.getElementById("undo-remove");
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    if (button && button.classList && button.classList.contains("btn-row-remove")) {
      removed.push(entries());
      removing = true;
    }
  });
  // The removal's answer replaced the table (and the button with it): shown once settled.
  document.body.addEventListener("htmx:afterSettle", function () {
    if (removing && undo) { undo.hidden = removed.length === 0; }
    removing = false;
  });
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    document.body.addEventListener(name, function () {
      if (removing) { removed.pop(); removing = false; }
    });
  });
  if (undo) {
    document.getElementById("undo-remove-button").addEventListener("click", function () {
      var before = removed.pop();
      undo.hidden = removed.length === 0;
      if (before) { showFields(before); }
    });
  }

  // Enter in a one-line cell must not submit the whole form by accident.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("input.cell-input")) { event.preventDefault(); }
  });

  // --- 得分: automatic (the rule's suggestion) until the filler types one ----------------
  form.addEventListener("input", function (event) {
    if (!event.target.matches(".score-input")) { return; }
    var auto = event.target.closest("tr").querySelector(".score-auto");
    if (auto) { auto.value = event.target.value.trim() === "" ? "1" : "0"; }
  });

  function applyCalc(calc) {
    var row = calc.closest("tr");
    if (!row) { return; }
    var score = row.querySelector(".score-input");
    var auto = row.querySelector(".score-auto");
    var tier = row.querySelector(".tier-select");
    var reason = row.querySelector(".override-reason");
    var mode = calc.dataset.mode;
    if (score && auto && auto.value === "1" && document.activeElement !== score) {
      score.value = mode === "quantitative" ? calc.dataset.suggested : "";
    }
    if (tier) { tier.classList.toggle("d-none", mode !== "qualitative"); }
    if (reason) {
      var ask = calc.dataset.needsReason === "1";
      reason.classList.toggle("d-none", !ask && reason.value.trim() === "");
      reason.classList.toggle("is-invalid", ask && reason.value.trim() === "");
    }
    if (score) { score.classList.toggle("is-invalid", calc.dataset.outOfBand === "1"); }
  }

  // The summary is rendered again on every recalculation: keep what the user opened.
  var openBlocks = {};
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "findings-summary") {
      target.querySelectorAll("details[data-block]").forEach(function (block) {
        openBlocks[block.dataset.block] = block.open;
      });
    }
  });
  // After a recalculation has swapped in its pieces (htmx swaps before afterRequest).
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.target !== form || !event.detail.successful) { return; }
    form.querySelectorAll(".row-calc").forEach(applyCalc);
    document.querySelectorAll("#findings-summary details[data-block]").forEach(function (block) {
      if (block.dataset.block in openBlocks) { block.open = openBlocks[block.dataset.block]; }
    });
  });

  // After a row action the table is new: put the cursor in the row just added.
  document.body.addEventListener("htmx:load", function (event) {
    var focus = event.detail.elt.querySelector && event.detail.elt.querySelector("[data-autofocus]");
    if (focus) { focus.focus(); }
  });

  // Problems with the live requests go to one status line by the save button: a session
  // that expired answers with the login page, which must never replace what was typed.
  var status = document.getElementById("live-status");
  function showStatus(message) {
    if (status) { status.textContent = message; status.hidden = false; }
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1) {
      event.detail.shouldSwap = false;
      keepDraft();
      showStatus("登录已过期。本页的输入已保存在本浏览器中：请重新登录，回到此表后点「恢复这些输入」。");
    } else if (xhr && xhr.status >= 400) {
      showStatus("自动计算暂不可用（" + xhr.status + "）。本页内容仍在，可以保存草稿。");
    } else if (status) {
      status.hidden = true;
    }
  });
  document.body.addEventListener("htmx:sendError", function () {
    showStatus("无法连接服务器，自动计算暂停。本页内容仍在，恢复连接后请保存草稿。");
  });
  form.addEventListener("change", markDirty);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    if (button && button.name === "row_action") { markDirty(); }
  });

  // --- the indicator library under a 三级 name ---------------------------------------
  var activeInput = null;
  var timer = null;
  var requestNumber = 0;

  function options() { return Array.prototype.slice.call(menu.querySelectorAll(".library-option")); }

  function closeMenu() {
    menu.hidden = true;
    menu.innerHTML = "";
    if (activeInput) {
      activeInput.setAttribute("aria-expanded", "false");
      activeInput.removeAttribute("aria-activedescendant");
    }
  }

  function positionMenu(input) {
    var box = input.getBoundingClientRect();
    menu.style.left = (box.left + window.scrollX) + "px";
    menu.style.top = (box.bottom + window.scrollY) + "px";
    menu.style.minWidth = Math.max(box.width, 260) + "px";
  }

  function search(input) {
    var number = ++requestNumber;
    var url = menu.dataset.url + "?q=" + encodeURIComponent(input.value.trim()) +
      "&level2=" + encodeURIComponent(input.dataset.level2 || "");
    fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (number !== requestNumber || document.activeElement !== input) { return; }
        var selected = menu.querySelector('[aria-selected="true"]');
        var keep = selected ? selected.dataset.value : null;
        menu.innerHTML = html; // server-rendered, escaped <li> elements
        if (!options().length) { closeMenu(); return; }
        // A newer answer must not lose the option the user has just moved to.
        options().forEach(function (li) {
          if (keep !== null && li.dataset.value === keep) {
            li.setAttribute("aria-selected", "true");
            input.setAttribute("aria-activedescendant", li.id);
          }
        });
        positionMenu(input);
        menu.hidden = false;
        input.setAttribute("aria-expanded", "true");
      })
      .catch(function () { closeMenu(); });
  }

  function choose(option) {
    if (!activeInput || !option) { return; }
    activeInput.value = option.dataset.value;
    activeInput.dispatchEvent(new Event("input", { bubbles: true }));
    closeMenu();
  }

  function move(step) {
    var list = options();
    if (!list.length) { return; }
    var current = list.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    var next = (current + step + list.length) % list.length;
    list.forEach(function (li, index) { li.setAttribute("aria-selected", index === next ? "true" : "false"); });
    list[next].scrollIntoView({ block: "nearest" });
    activeInput.setAttribute("aria-activedescendant", list[next].id);
  }

  form.addEventListener("focusin", function (event) {
    if (!event.target.matches(".indicator-name")) { return; }
    activeInput = event.target;
    search(activeInput);
  });
  form.addEventListener("input", function (event) {
    if (!event.target.matches(".indicator-name")) { return; }
    activeInput = event.target;
    clearTimeout(timer);
    timer = setTimeout(function () { search(activeInput); }, 200);
  });
  form.addEventListener("focusout", function (event) {
    if (event.target.matches(".indicator-name")) { setTimeout(closeMenu, 150); }
  });
  form.addEventListener("keydown", function (event) {
    if (!event.target.matches(".indicator-name")) { return; }
    var open = !menu.hidden;
    if (event.key === "ArrowDown" && open) { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); move(-1); }
    else if (event.key === "Escape" && open) { event.preventDefault(); closeMenu(); }
    else if (event.key === "Enter") {
      event.preventDefault(); // a 三级 name is one line
      if (open) { choose(menu.querySelector('[aria-selected="true"]')); }
    }
  });
  menu.addEventListener("mousedown", function (event) {
    event.preventDefault(); // keep the focus in the name cell
    choose(event.target.closest(".library-option"));
  });
})();
