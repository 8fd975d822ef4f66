// The number of things that wait for the signed-in person, beside "For me" in the header.
// Progressive enhancement: without JavaScript the number shows on the "For me" page itself.
document.addEventListener("DOMContentLoaded", () => {
  const link = document.querySelector("[data-for-me-count]");
  const badge = link && link.querySelector("[data-for-me-badge]");
  if (!badge || !badge.hidden) return;
  fetch(link.dataset.forMeCount, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (!data || !data.count) return;
      badge.querySelector("[data-number]").textContent = data.count;
      badge.querySelector("[data-label]").textContent = " " + data.label;
      badge.hidden = false;
    })
    .catch(() => {});
});
