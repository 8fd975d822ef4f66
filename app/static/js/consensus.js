// The projected view refreshes its tally by itself. Without JavaScript the page still
// works: the "Refresh" link reloads it.
(function () {
  "use strict";
  const main = document.querySelector("[data-tally-url]");
  if (!main || main.dataset.open !== "1") return;
  const url = main.dataset.tallyUrl;
  const INTERVAL_MS = 5000;

  function update(data) {
    if (data.tally_hidden) return;
    Object.entries(data.tally || {}).forEach(([stance, count]) => {
      const el = main.querySelector('[data-tally="' + stance + '"]');
      if (el) el.textContent = String(count);
    });
    const answered = main.querySelector('[data-tally="answered"]');
    if (answered) answered.textContent = String(data.answered);
    if (!data.is_open) window.location.reload();
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(update)
      .catch(() => {})
      .finally(() => window.setTimeout(poll, INTERVAL_MS));
  }
  window.setTimeout(poll, INTERVAL_MS);
})();
