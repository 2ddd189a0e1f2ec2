/* Appendix editor (Soạn thảo phụ lục): row moves, indentation, STT renumbering, unit chips,
 * and the JSON the save form sends. No dependencies; htmx (vendored) runs the searches. */
(function () {
  "use strict";

  var table = document.getElementById("editor-table");
  if (!table) return;
  var tbody = table.tBodies[0];
  var form = document.getElementById("editor-save");
  var status = document.getElementById("editor-status");
  var template = document.getElementById("editor-row-template");
  var MAX_LEVEL = parseInt(table.dataset.maxLevel || "2", 10);
  var LEVEL_LABELS = ["mục", "nhiệm vụ", "chi tiết"];
  var LETTERS = "abcdđeghiklmnopqrstuvxy";
  var dirty = false;
  var counter = 0;

  // --- rows and levels ------------------------------------------------------------------

  function rows() {
    return Array.prototype.slice.call(tbody.querySelectorAll("tr.editor-row"));
  }
  function level(tr) {
    return parseInt(tr.dataset.level || "0", 10);
  }
  function setLevel(tr, value) {
    tr.dataset.level = String(value);
    tr.className = tr.className.replace(/\blevel-\d+\b/, "level-" + value);
    var label = tr.querySelector(".level-label");
    if (label) label.textContent = LEVEL_LABELS[value] || "";
  }
  function block(tr) {
    var list = [tr];
    var next = tr.nextElementSibling;
    while (next && level(next) > level(tr)) {
      list.push(next);
      next = next.nextElementSibling;
    }
    return list;
  }
  function previousSibling(tr) {
    var prev = tr.previousElementSibling;
    while (prev && level(prev) > level(tr)) prev = prev.previousElementSibling;
    return prev && level(prev) === level(tr) ? prev : null;
  }
  function nextSibling(tr) {
    var rowsOf = block(tr);
    var next = rowsOf[rowsOf.length - 1].nextElementSibling;
    return next && level(next) === level(tr) ? next : null;
  }
  function parentOf(tr) {
    var prev = tr.previousElementSibling;
    while (prev && level(prev) >= level(tr)) prev = prev.previousElementSibling;
    return prev && level(prev) === level(tr) - 1 ? prev : null;
  }
  function insertBlockBefore(list, reference) {
    list.forEach(function (row) {
      tbody.insertBefore(row, reference);
    });
  }

  function moveUp(tr) {
    var prev = previousSibling(tr);
    if (prev) return insertBlockBefore(block(tr), prev);
    var parent = parentOf(tr); // first child: becomes the last child of the parent's previous sibling
    var uncle = parent && previousSibling(parent);
    if (uncle) insertBlockBefore(block(tr), parent);
  }
  function moveDown(tr) {
    var next = nextSibling(tr);
    if (next) return insertBlockBefore(block(next), tr);
    var parent = parentOf(tr); // last child: becomes the first child of the parent's next sibling
    var uncle = parent && nextSibling(parent);
    if (uncle) insertBlockBefore(block(tr), uncle.nextElementSibling);
  }
  function indent(tr) {
    var list = block(tr);
    var deepest = Math.max.apply(null, list.map(level));
    if (!previousSibling(tr) || deepest >= MAX_LEVEL) return;
    list.forEach(function (row) {
      setLevel(row, level(row) + 1);
    });
  }
  function outdent(tr) {
    if (level(tr) === 0) return;
    block(tr).forEach(function (row) {
      setLevel(row, level(row) - 1);
    });
  }
  function remove(tr) {
    var list = block(tr);
    var content = tr.querySelector("[data-field=content]").value.trim();
    var question =
      list.length > 1
        ? "Xóa dòng này cùng " + (list.length - 1) + " dòng con của nó?"
        : content
          ? "Xóa dòng “" + content.slice(0, 60) + "”?"
          : null;
    if (question && !window.confirm(question)) return;
    list.forEach(function (row) {
      row.remove();
    });
  }
  function newRow(levelValue, after) {
    var fragment = template.content.cloneNode(true);
    var tr = fragment.querySelector("tr");
    counter += 1;
    tr.dataset.key = "n" + Date.now().toString(36) + counter;
    tr.dataset.id = "";
    setLevel(tr, levelValue);
    if (after) tbody.insertBefore(tr, after.nextElementSibling);
    else tbody.appendChild(tr);
    if (window.htmx) window.htmx.process(tr);
    tr.querySelector("[data-field=content]").focus();
    return tr;
  }
  function addBelow(tr) {
    var list = block(tr);
    newRow(level(tr), list[list.length - 1]);
  }
  function addAtEnd() {
    var all = rows();
    var last = all[all.length - 1];
    newRow(last ? level(last) : 0, null);
  }

  // --- STT renumbering ------------------------------------------------------------------

  function sttKind(text) {
    var core = (text || "").trim().replace(/^[(\[]\s*|\s*[)\].]$/g, "").trim();
    if (!core) return null;
    if (/^\d+$/.test(core)) return "number";
    if (/^\d+(\.\d+)+$/.test(core)) return "dotted";
    if (/^[IVXL]+$/.test(core)) return "roman";
    if (core.length === 1 && LETTERS.indexOf(core.toLowerCase()) >= 0) return "letter";
    return null;
  }
  function rank(kind, depth) {
    return { roman: 0, number: 1, dotted: 1 + depth, letter: 1000 }[kind];
  }
  function styles(all) {
    var found = [null, null, null];
    all.forEach(function (tr) {
      var l = level(tr);
      if (l <= 2 && !found[l]) found[l] = sttKind(tr.querySelector("[data-field=stt]").value);
    });
    var s0 = found[0] || "roman";
    var s1 = found[1] || (s0 === "roman" ? "number" : "dotted");
    var usesLevel2 = all.some(function (tr) {
      return level(tr) === 2;
    });
    if (rank(s1, 1) <= rank(s0, 0) || (s1 === "letter" && usesLevel2)) {
      s1 = s0 === "roman" ? "number" : "dotted";
    }
    var s2 = found[2] || "letter";
    if (rank(s2, 2) <= rank(s1, 1)) s2 = "letter";
    return [s0, s1, s2];
  }
  function roman(n) {
    var out = "";
    [[50, "L"], [40, "XL"], [10, "X"], [9, "IX"], [5, "V"], [4, "IV"], [1, "I"]].forEach(function (p) {
      while (n >= p[0]) {
        out += p[1];
        n -= p[0];
      }
    });
    return out;
  }
  function renumber() {
    var all = rows();
    var style = styles(all);
    var counts = [];
    var codes = [];
    var lastLetter = [];
    all.forEach(function (tr) {
      var l = level(tr);
      var input = tr.querySelector("[data-field=stt]");
      counts.length = l + 1;
      lastLetter.length = l + 1;
      counts[l] = (counts[l] || 0) + 1;
      var kind = style[Math.min(l, 2)];
      var code;
      if (kind === "roman") code = roman(counts[l]);
      else if (kind === "number") code = String(counts[l]);
      else if (kind === "dotted") code = (l > 0 && codes[l - 1] ? codes[l - 1] + "." : "") + counts[l];
      else {
        var previous = lastLetter[l];
        var current = input.value.trim().replace(/[).]$/, "");
        if (!previous) code = "a";
        else if (previous === "d" && current === "e") code = "e"; // after d: đ, or e as some plans print
        else code = LETTERS.charAt(LETTERS.indexOf(previous) + 1) || String(counts[l]);
        lastLetter[l] = code;
      }
      codes.length = l + 1;
      codes[l] = code;
      input.value = code;
      setLevel(tr, l);
    });
    var empty = document.querySelector(".editor-empty");
    if (empty) empty.classList.toggle("d-none", all.length > 0);
  }

  function changed(structural) {
    if (structural) renumber();
    dirty = true;
    if (status) status.textContent = "Có thay đổi chưa lưu.";
    scheduleKeep();
  }

  // --- unit pickers -----------------------------------------------------------------------

  function chip(value, name, isGroup) {
    var span = document.createElement("span");
    span.className = "chip" + (isGroup ? " chip-group" : "");
    span.dataset.value = value;
    span.title = name;
    var label = document.createElement("span");
    label.className = "chip-name";
    label.textContent = name;
    span.appendChild(label);
    if (isGroup) {
      var kind = document.createElement("span");
      kind.className = "chip-kind";
      kind.textContent = "nhóm";
      span.appendChild(document.createTextNode(" "));
      span.appendChild(kind);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "chip-remove";
    button.setAttribute("aria-label", "Bỏ " + name);
    button.textContent = "×";
    span.appendChild(button);
    return span;
  }
  function choose(option) {
    var picker = option.closest(".unit-picker");
    var value = option.dataset.value;
    var chips = picker.querySelector(".chips");
    var pickFor = picker.dataset.pickFor;
    var picked = null;
    if (pickFor && value.indexOf("unit:") === 0) {
      // A unit picked for a related group ("Các sở, ban, ngành có liên quan"): it replaces
      // the group chip; the cell keeps the group's wording.
      picked = value;
      value = value + "@" + pickFor;
    }
    var exists = Array.prototype.some.call(chips.children, function (c) {
      return c.dataset.value === value || c.dataset.value.split("@")[0] === value;
    });
    if (!exists) {
      var made = chip(value, option.dataset.label, value.indexOf("group:") === 0);
      if (picked) {
        made.classList.add("chip-picked");
        made.dataset.pickedFor = pickFor;
        var note = document.createElement("span");
        note.className = "chip-kind";
        note.textContent = "thuộc “" + picker.dataset.pickName + "”";
        made.insertBefore(document.createTextNode(" "), made.lastChild);
        made.insertBefore(note, made.lastChild);
        var group = chips.querySelector('.chip[data-group="' + pickFor + '"]');
        if (group) group.replaceWith(made);
        else chips.appendChild(made);
      } else {
        chips.appendChild(made);
      }
    }
    var input = picker.querySelector(".picker-input");
    input.value = "";
    picker.querySelector(".picker-options").innerHTML = "";
    input.focus();
    changed(false);
  }
  function endPick(picker) {
    // Leaving the picker ends the choice of units for a related group.
    if (!picker.dataset.pickFor) return;
    delete picker.dataset.pickFor;
    delete picker.dataset.pickName;
    picker.querySelector(".picker-input").placeholder = "Gõ tên để tìm…";
  }
  function options(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("[role=option]"));
  }

  // --- events -----------------------------------------------------------------------------

  table.addEventListener("click", function (event) {
    var option = event.target.closest(".unit-options [role=option]");
    if (option) return choose(option);
    var pick = event.target.closest(".chip-pick");
    if (pick) {
      var pickPicker = pick.closest(".unit-picker");
      var groupChip = pick.closest(".chip");
      pickPicker.dataset.pickFor = groupChip.dataset.group;
      pickPicker.dataset.pickName = pick.dataset.groupName;
      var pickInput = pickPicker.querySelector(".picker-input");
      pickInput.placeholder = "Chọn đơn vị thuộc “" + pick.dataset.groupName + "”…";
      pickInput.focus();
      return;
    }
    var remover = event.target.closest(".chip-remove");
    if (remover) {
      remover.closest(".chip").remove();
      return changed(false);
    }
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var tr = button.closest("tr.editor-row");
    var action = button.dataset.action;
    if (action === "up") moveUp(tr);
    else if (action === "down") moveDown(tr);
    else if (action === "indent") indent(tr);
    else if (action === "outdent") outdent(tr);
    else if (action === "add") addBelow(tr);
    else if (action === "delete") remove(tr);
    changed(true);
    if (document.body.contains(button)) button.focus();
  });

  table.addEventListener("keydown", function (event) {
    var option = event.target.closest && event.target.closest("[role=option]");
    if (option) {
      var list = options(option.closest(".unit-picker"));
      var i = list.indexOf(option);
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose(option);
      } else if (event.key === "ArrowDown" && list[i + 1]) {
        event.preventDefault();
        list[i + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (list[i - 1] || option.closest(".unit-picker").querySelector(".picker-input")).focus();
      } else if (event.key === "Escape") {
        option.closest(".picker-options").innerHTML = "";
      }
      return;
    }
    if (event.target.classList.contains("picker-input")) {
      var picker = event.target.closest(".unit-picker");
      var first = options(picker)[0];
      if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Enter") {
        event.preventDefault(); // never submit anything from a picker
        if (first) choose(first);
      } else if (event.key === "Escape") {
        picker.querySelector(".picker-options").innerHTML = "";
        endPick(picker);
      }
    }
  });

  table.addEventListener("focusout", function (event) {
    var picker = event.target.closest && event.target.closest(".unit-picker");
    if (!picker) return;
    window.setTimeout(function () {
      if (picker.contains(document.activeElement)) return;
      picker.querySelector(".picker-options").innerHTML = "";
      endPick(picker);
    }, 150);
  });

  table.addEventListener("input", function (event) {
    if (!event.target.classList.contains("picker-input")) changed(false);
  });

  document.getElementById("editor-add").addEventListener("click", function () {
    addAtEnd();
    changed(true);
  });

  function values(picker) {
    return Array.prototype.map.call(picker.querySelectorAll(".chip"), function (c) {
      return c.dataset.value;
    });
  }
  function field(tr, name) {
    return tr.querySelector("[data-field=" + name + "]").value;
  }

  function chipValues(picker) {
    return Array.prototype.map.call(picker.querySelectorAll(".chip"), function (c) {
      var name = c.querySelector(".chip-name");
      return { value: c.dataset.value, name: name ? name.textContent : c.title };
    });
  }
  function collect(withNames) {
    return rows().map(function (tr) {
      var lead = tr.querySelector(".unit-picker[data-role=lead]");
      var coordinating = tr.querySelector(".unit-picker[data-role=coordinating]");
      return {
        key: tr.dataset.key,
        id: tr.dataset.id ? parseInt(tr.dataset.id, 10) : null,
        level: level(tr),
        stt: field(tr, "stt"),
        content: field(tr, "content"),
        product: field(tr, "product"),
        timeframe: field(tr, "timeframe"),
        lead: withNames ? chipValues(lead) : values(lead),
        coordinating: withNames ? chipValues(coordinating) : values(coordinating),
      };
    });
  }

  form.addEventListener("submit", function () {
    keepDraft(); // if the session has expired, the login page will not lose the rows
    document.getElementById("editor-rows").value = JSON.stringify(collect(false));
    dirty = false;
    var submit = document.getElementById("editor-submit");
    submit.disabled = true;
    submit.textContent = "Đang lưu…";
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  window.addEventListener("pageshow", function () {
    var submit = document.getElementById("editor-submit"); // back from the saved page
    submit.disabled = false;
    submit.textContent = "Lưu phụ lục";
  });

  // --- session expiry: warn, keep unsaved rows in this browser, restore after login --------

  var DRAFT_KEY = form.dataset.draftKey || "";
  var DRAFT_PREFIX = form.dataset.draftPrefix || "";
  var SESSION_SECONDS = parseInt(form.dataset.sessionSeconds || "0", 10);
  var WARN_SECONDS = parseInt(form.dataset.warnSeconds || "300", 10);
  var warning = document.getElementById("session-warning");
  var warningText = document.getElementById("session-warning-text");
  var keepTimer = null;
  var expiresAt = 0;

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }
  function keepDraft() {
    var store = storage();
    if (!store || !DRAFT_KEY || !dirty) return false;
    try {
      store.setItem(DRAFT_KEY, JSON.stringify({ saved: Date.now(), rows: collect(true) }));
      return true;
    } catch (e) {
      return false; // storage full or refused: the warning still stands
    }
  }
  function scheduleKeep() {
    if (keepTimer) window.clearTimeout(keepTimer);
    keepTimer = window.setTimeout(keepDraft, 1000);
  }
  function dropDraft() {
    var store = storage();
    if (store && DRAFT_KEY) store.removeItem(DRAFT_KEY);
  }
  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function showWarning(expired) {
    if (!warning) return;
    var kept = keepDraft() || !dirty;
    warning.classList.remove("d-none");
    warning.classList.toggle("alert-warning", !expired);
    warning.classList.toggle("alert-danger", expired);
    document.getElementById("session-extend").classList.toggle("d-none", expired);
    document.getElementById("session-login").classList.toggle("d-none", !expired);
    var note = kept
      ? " Các thay đổi chưa lưu đã được giữ tạm trên trình duyệt này."
      : " Hãy bấm “Lưu phụ lục” ngay để không mất thay đổi.";
    warningText.textContent = expired
      ? "Phiên làm việc đã hết hạn (quá lâu không có thao tác gửi lên máy chủ)." + note +
        " Hãy đăng nhập lại: khi mở lại trang soạn thảo, bạn có thể khôi phục các dòng chưa lưu."
      : "Phiên làm việc sẽ hết hạn lúc " + clock(expiresAt) + " (còn khoảng " +
        Math.max(1, Math.round((expiresAt - Date.now()) / 60000)) + " phút) nếu không có thao tác gửi lên máy chủ." +
        note + " Bấm “Tiếp tục làm việc” để gia hạn phiên, hoặc lưu phụ lục.";
  }
  function tick() {
    if (!SESSION_SECONDS) return;
    var left = expiresAt - Date.now();
    if (left <= 0) showWarning(true);
    else if (left <= WARN_SECONDS * 1000) showWarning(false);
  }
  function sessionTouched() {
    expiresAt = Date.now() + SESSION_SECONDS * 1000;
    if (warning && !warning.classList.contains("alert-danger")) warning.classList.add("d-none");
  }
  if (SESSION_SECONDS) {
    sessionTouched();
    window.setInterval(tick, 15000);
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      if (xhr && xhr.status === 200 && xhr.responseURL.indexOf("/dang-nhap/") < 0) sessionTouched();
    });
  }
  var extend = document.getElementById("session-extend");
  if (extend) {
    extend.addEventListener("click", function () {
      fetch(form.dataset.pingUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok || response.url.indexOf("/dang-nhap/") >= 0) throw new Error("expired");
          return response.json();
        })
        .then(function (data) {
          SESSION_SECONDS = data.seconds || SESSION_SECONDS;
          sessionTouched();
        })
        .catch(function () {
          expiresAt = Date.now() - 1;
          showWarning(true);
        });
    });
  }

  var relogin = document.getElementById("session-login");
  if (relogin) {
    relogin.addEventListener("click", function () {
      keepDraft(); // kept for the restore prompt after login: leaving needs no confirmation
      dirty = false;
    });
  }

  function restoreRows(saved) {
    rows().forEach(function (tr) {
      tr.remove();
    });
    saved.forEach(function (item) {
      var tr = newRow(item.level || 0, null);
      tr.dataset.key = item.key || tr.dataset.key;
      tr.dataset.id = item.id === null || item.id === undefined ? "" : String(item.id);
      ["stt", "content", "product", "timeframe"].forEach(function (name) {
        tr.querySelector("[data-field=" + name + "]").value = item[name] || "";
      });
      ["lead", "coordinating"].forEach(function (role) {
        var chips = tr.querySelector(".unit-picker[data-role=" + role + "] .chips");
        chips.innerHTML = "";
        (item[role] || []).forEach(function (c) {
          chips.appendChild(chip(c.value, c.name, String(c.value).indexOf("group:") === 0));
        });
      });
    });
    renumber();
    dirty = true;
    if (status) status.textContent = "Đã khôi phục các dòng chưa lưu: hãy kiểm tra rồi bấm “Lưu phụ lục”.";
  }
  (function offerRestore() {
    var store = storage();
    if (!store || !DRAFT_KEY) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i); // drafts of older versions of this plan: saved, or overtaken
      if (key && key !== DRAFT_KEY && DRAFT_PREFIX && key.indexOf(DRAFT_PREFIX) === 0) store.removeItem(key);
    }
    var raw = store.getItem(DRAFT_KEY);
    if (!raw) return;
    var kept;
    try {
      kept = JSON.parse(raw);
    } catch (e) {
      return dropDraft();
    }
    if (!kept || !Array.isArray(kept.rows) || JSON.stringify(kept.rows) === JSON.stringify(collect(true))) {
      return dropDraft();
    }
    var banner = document.getElementById("draft-restore");
    var d = new Date(kept.saved || Date.now());
    document.getElementById("draft-restore-when").textContent =
      ("0" + d.getDate()).slice(-2) + "/" + ("0" + (d.getMonth() + 1)).slice(-2) + "/" + d.getFullYear() + " " + clock(d.getTime());
    banner.classList.remove("d-none");
    document.getElementById("draft-restore-yes").addEventListener("click", function () {
      restoreRows(kept.rows);
      banner.classList.add("d-none");
    });
    document.getElementById("draft-restore-no").addEventListener("click", function () {
      dropDraft();
      banner.classList.add("d-none");
    });
  })();

  rows().forEach(function (tr) {
    setLevel(tr, level(tr));
  });
})();
