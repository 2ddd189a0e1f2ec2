/* Báo cáo của đơn vị: required markers driven by each line's status, checks as you type, and
 * a per-line "ready to submit" badge. A convenience only: the server applies the same rules
 * (reports/workflow.py REQUIRED_BY_STATUS) and stays the authority. No dependencies. */
(function () {
  "use strict";

  var form = document.getElementById("unit-report-form");
  if (!form) return;

  var REQUIRED = {
    not_started: [],
    in_progress: ["narrative"],
    done: ["narrative", "completed_on"],
    not_feasible: ["reason"],
  };
  var NAMES = {
    narrative: "kết quả thực hiện",
    completed_on: "ngày hoàn thành",
    reason: "lý do không thực hiện được",
  };
  var MESSAGES = {
    narrative: "Cần nêu kết quả đã thực hiện trước khi nộp.",
    completed_on: "Đã hoàn thành thì cần nhập ngày hoàn thành (dd/mm/yyyy).",
    reason: "Cần nêu lý do không thực hiện được trước khi nộp.",
  };
  var summary = document.getElementById("ready-summary");
  var cards = Array.prototype.slice.call(form.querySelectorAll(".report-line[data-line]"));

  function dateProblem(text) {
    text = text.trim();
    if (!text) return "";
    var m = /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})$/.exec(text);
    if (!m) return "Ngày “" + text + "” không đúng dạng dd/mm/yyyy.";
    var d = new Date(+m[3], +m[2] - 1, +m[1]);
    if (d.getFullYear() !== +m[3] || d.getMonth() !== +m[2] - 1 || d.getDate() !== +m[1]) {
      return "Ngày “" + text + "” không có thật.";
    }
    var today = new Date();
    today.setHours(0, 0, 0, 0);
    if (d > today) return "Ngày hoàn thành không được sau hôm nay.";
    return "";
  }

  function show(field, message) {
    var box = document.getElementById(field.id + "-msg");
    field.classList.toggle("is-invalid", Boolean(message));
    field.setAttribute("aria-invalid", message ? "true" : "false");
    if (box) box.textContent = message;
  }

  /* Update one line; returns "ready", "missing" or "empty" (no status chosen). */
  function check(card) {
    var pk = card.dataset.line;
    var select = document.getElementById("r" + pk + "-status");
    if (!select) return "empty";
    var status = select.value;
    var required = REQUIRED[status] || [];
    var missing = [];
    card.querySelectorAll("[data-required-for]").forEach(function (mark) {
      var on = mark.dataset.requiredFor.split(" ").indexOf(status) >= 0;
      mark.classList.toggle("d-none", !on);
    });
    card.querySelectorAll("[data-field]").forEach(function (field) {
      var name = field.dataset.field;
      var needed = required.indexOf(name) >= 0;
      field.setAttribute("aria-required", needed ? "true" : "false");
      var message = "";
      if (name === "completed_on") message = dateProblem(field.value);
      var empty = !field.value.trim();
      if (needed && empty) {
        missing.push(NAMES[name]);
        if (field.dataset.touched) message = MESSAGES[name];
      } else if (needed && message) {
        missing.push(NAMES[name]);
      }
      show(field, message);
    });
    var badge = card.querySelector("[data-ready]");
    var state = !status ? "empty" : missing.length ? "missing" : "ready";
    if (badge) {
      badge.classList.remove("d-none", "text-bg-success", "text-bg-warning", "text-bg-light");
      if (state === "ready") {
        badge.textContent = "Đủ thông tin để nộp";
        badge.classList.add("text-bg-success");
      } else if (state === "missing") {
        badge.textContent = "Còn thiếu: " + missing.join(", ");
        badge.classList.add("text-bg-warning");
      } else {
        badge.textContent = "Chưa chọn tình trạng";
        badge.classList.add("text-bg-light");
      }
    }
    return state;
  }

  function refreshSummary() {
    var ready = 0;
    cards.forEach(function (card) {
      if (check(card) === "ready") ready += 1;
    });
    if (summary) {
      summary.textContent =
        ready + "/" + cards.length + " dòng đã đủ thông tin để nộp";
    }
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.field) target.dataset.touched = "1";
    var card = target.closest(".report-line[data-line]");
    if (card) {
      check(card);
      refreshSummary();
    }
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    var card = target.closest(".report-line[data-line]");
    if (!card) return;
    if (target.dataset && target.dataset.field) target.dataset.touched = "1";
    refreshSummary();
  });
  form.addEventListener(
    "blur",
    function (event) {
      var target = event.target;
      if (target.dataset && target.dataset.field) {
        target.dataset.touched = "1";
        var card = target.closest(".report-line[data-line]");
        if (card) check(card);
      }
    },
    true
  );

  // Lines the server refused: show their messages at once.
  cards.forEach(function (card) {
    if (card.classList.contains("border-danger")) {
      card.querySelectorAll("[data-field]").forEach(function (field) {
        field.dataset.touched = "1";
      });
    }
  });
  refreshSummary();

  var error = document.getElementById("form-error");
  if (error) error.focus();

  /* Attachments: uploaded as soon as chosen (reports/views_uploads.py); the form then posts
   * only the signed reference, so a refused post never loses the file. Without this script
   * (or when the upload fails to reach the server) the file goes with the form as before. */
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
    });
  }

  function megabytes(n) {
    return (n / 1024 / 1024).toFixed(1).replace(".", ",");
  }

  function dropKept(box, remote) {
    var kept = box.querySelector(".kept-file");
    if (!kept) return;
    var ref = kept.querySelector("input[type=hidden]");
    if (remote && ref && box.dataset.dropUrl) {
      var body = new FormData();
      body.append("ref", ref.value);
      post(box.dataset.dropUrl, body).catch(function () {});
    }
    kept.remove();
  }

  function wireKept(box) {
    var kept = box.querySelector(".kept-file");
    if (!kept) return;
    var button = kept.querySelector("[data-drop-file]");
    var check = kept.querySelector("[data-drop-check]");
    if (check) check.remove();
    if (button) {
      button.classList.remove("d-none");
      button.addEventListener("click", function () {
        dropKept(box, true);
      });
    }
  }

  function showKept(box, pk, data) {
    dropKept(box, true);
    var kept = document.createElement("div");
    kept.className = "small text-success mt-1 kept-file";
    kept.id = "r" + pk + "-kept";
    var ref = document.createElement("input");
    ref.type = "hidden";
    ref.name = "r" + pk + "-file_ref";
    ref.value = data.ref;
    kept.appendChild(ref);
    kept.appendChild(document.createTextNode("Đã đính kèm: " + data.name + " (giữ lại)"));
    var link = document.createElement("a");
    link.className = "ms-1";
    link.href = data.url;
    link.dataset.keptLink = "";
    link.textContent = "tải về";
    kept.appendChild(document.createTextNode(" "));
    kept.appendChild(link);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 ms-1 align-baseline";
    button.dataset.dropFile = "";
    button.textContent = "bỏ tệp này";
    kept.appendChild(button);
    box.appendChild(kept);
    wireKept(box);
  }

  function upload(input) {
    var pk = input.dataset.line;
    var file = input.files && input.files[0];
    var box = document.getElementById("r" + pk + "-kept-box");
    var note = document.getElementById("r" + pk + "-file-msg");
    if (!file || !box || !note) return;
    note.className = "small mt-1";
    var limit = Number(input.dataset.maxBytes || 0);
    if (limit && file.size > limit) {
      input.value = "";
      note.className = "small mt-1 text-danger";
      note.textContent =
        "Tệp “" + file.name + "” nặng " + megabytes(file.size) + " MB, vượt giới hạn " +
        Math.floor(limit / 1024 / 1024) + " MB mỗi tệp. Hãy nén hoặc chia nhỏ tệp rồi tải lại.";
      return;
    }
    note.textContent = "Đang tải tệp lên…";
    input.dataset.uploading = "1";
    var body = new FormData();
    body.append("file", file);
    post(input.dataset.uploadUrl, body)
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        delete input.dataset.uploading;
        input.value = "";
        if (answer.ok) {
          note.textContent = "";
          showKept(box, pk, answer.data);
        } else {
          note.className = "small mt-1 text-danger";
          note.textContent = answer.data.error || "Không tải được tệp lên.";
        }
      })
      .catch(function () {
        delete input.dataset.uploading;
        note.className = "small mt-1 text-warning";
        note.textContent =
          "Chưa tải được tệp lên máy chủ: tệp sẽ được gửi cùng biểu mẫu khi bấm Lưu hoặc Nộp.";
      });
  }

  form.querySelectorAll("input[type=file][data-upload-url]").forEach(function (input) {
    var box = document.getElementById("r" + input.dataset.line + "-kept-box");
    if (box) wireKept(box);
    input.addEventListener("change", function () {
      upload(input);
    });
  });
})();
