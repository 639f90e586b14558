// Saves a draft (an exercise, a session note) a few seconds after typing stops, and lets rows be added
// and removed without a round trip. Without this script the buttons do the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var status = form.querySelector(".save-status");
  var lock = form.querySelector("input[name=lock_version]");
  var timer = null;
  var saving = false;
  var again = false;
  var stopped = false;
  var pendingSubmit = null;  // a button pressed while a save was on its way
  var DELAY = 3000;

  function say(text, isError) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function save() {
    timer = null;
    if (stopped) { return; }
    if (saving) { again = true; return; }
    saving = true;
    var data = new FormData(form);
    data.delete("action");
    say("Saving…");
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.redirected || response.status === 401) {
        stopped = true;
        say("Your session has ended. Your answers were kept as a draft where possible: " +
            "sign in again to carry on. This page still holds your text.", true);
        return null;
      }
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result) { return; }
      if (result.ok) {
        lock.value = result.body.lock_version;
        say("Draft saved at " + result.body.saved_at + " (UTC).");
      } else {
        stopped = true;
        say(result.body.message || "Could not save. Please use the Save draft button.", true);
      }
    }).catch(function () {
      say("Could not save just now (are you offline?). Your text is still here; we will try again.", true);
      schedule();
    }).then(function () {
      saving = false;
      if (pendingSubmit) {
        // Send the button's form now that the page holds the lock version of the save
        // that just finished; sending it earlier would look like a stale tab.
        var button = pendingSubmit;
        pendingSubmit = null;
        stopped = true;
        form.requestSubmit(button === true ? undefined : button);
        return;
      }
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (saving) {
      event.preventDefault();
      pendingSubmit = event.submitter || true;
      return;
    }
    stopped = true;  // the button's own save carries the latest text
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) { clearTimeout(timer); save(); }
  });

  // Repeating lists: add and remove rows in place.
  Array.prototype.forEach.call(form.querySelectorAll("[data-repeating]"), function (box) {
    var max = parseInt(box.getAttribute("data-repeating"), 10);
    var list = box.querySelector("ol.rows");
    var add = box.querySelector("button.add-row");
    function renumber() {
      var rows = list.querySelectorAll("li.row");
      Array.prototype.forEach.call(rows, function (row, index) {
        var input = row.querySelector("input");
        var label = row.querySelector("label");
        var id = box.id + "-" + index;
        input.id = id; input.name = id; label.htmlFor = id;
        label.textContent = box.querySelector("legend").firstChild.textContent.trim() + ", entry " + (index + 1);
        row.querySelector(".remove-row").hidden = rows.length <= 1;
      });
      if (add) { add.hidden = rows.length >= max; }
    }
    list.addEventListener("click", function (event) {
      var button = event.target.closest(".remove-row");
      if (!button) { return; }
      var row = button.closest("li.row");
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      if (next) { next.querySelector("input").focus(); }
      schedule();
    });
    if (add) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var rows = list.querySelectorAll("li.row");
        if (rows.length >= max) { return; }
        var copy = rows[rows.length - 1].cloneNode(true);
        copy.querySelector("input").value = "";
        list.appendChild(copy);
        renumber();
        copy.querySelector("input").focus();
      });
    }
    renumber();
  });
}());
