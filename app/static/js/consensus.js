// Live round views (the projected view and the moderator's dashboard) update themselves.
// The page names a JSON endpoint in data-live-url; it answers 304 while the round is
// unchanged. When the round's revision moves, the page is fetched again and each element
// marked data-live-region is swapped for its new version: one rendering on the server,
// no reload, and forms outside the regions keep what the moderator is typing. Without
// JavaScript the page still works: its "Refresh" link reloads it.
(function () {
  "use strict";
  const root = document.querySelector("[data-live-url]");
  if (!root) return;
  const url = root.dataset.liveUrl;
  const INTERVAL_MS = 1000;
  let etag = null;
  let revision = root.dataset.liveRevision || null;

  function swapRegions(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live-region]").forEach((region) => {
      const replacement = fresh.getElementById(region.id);
      if (replacement) region.replaceWith(document.importNode(replacement, true));
    });
    root.dataset.liveRevision = revision;
  }

  function refreshPage() {
    return fetch(window.location.href, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then(swapRegions);
  }

  function poll() {
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then((response) => {
        if (response.status === 304) return null;
        if (!response.ok) return Promise.reject(response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then((data) => {
        if (data === null || String(data.revision) + ":" + data.is_open === revision) return null;
        revision = String(data.revision) + ":" + data.is_open;
        return refreshPage();
      })
      .catch(() => {})
      .finally(() => window.setTimeout(poll, INTERVAL_MS));
  }
  window.setTimeout(poll, INTERVAL_MS);
})();
