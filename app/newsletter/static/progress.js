// Updates the newsletter progress page while an edition is being sent; without this file
// the page shows the same numbers on every reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-progress-url");
  var initialStatus = box.getAttribute("data-status");
  var lang = document.documentElement.lang || undefined;
  var bar = box.querySelector("progress");

  function show(name, value) {
    var el = box.querySelector('[data-count="' + name + '"]');
    if (el) el.textContent = Number(value).toLocaleString(lang);
  }

  function update(data) {
    var p = data.progress;
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    bar.textContent = p.percent + "%";
    box.querySelector('[data-field="percent"]').textContent = p.percent;
    box.querySelector('[data-field="status_title"]').textContent = data.status_title;
    ["total", "sent", "pending", "retrying", "failed", "skipped"].forEach(function (name) {
      show(name, p[name]);
    });
    var notice = box.querySelector('[data-field="worker_notice"]');
    if (notice) {
      notice.textContent = data.worker_notice || "";
      notice.hidden = !data.worker_notice;
    }
    if (data.status !== initialStatus) {
      window.location.reload(); // new buttons and the list of failures come with the page
      return false;
    }
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (update(data) && (data.status === "sending" || data.status === "paused")) {
          window.setTimeout(poll, data.status === "sending" ? 2000 : 10000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 10000);
      });
  }

  if (initialStatus === "sending" || initialStatus === "paused") {
    window.setTimeout(poll, 2000);
  }
})();
