// Reads one iCalendar stream (RFC 5545) on stdin with ical.js, the parser Thunderbird
// uses, and prints what a calendar program takes from it, as JSON. Times are resolved
// through the VTIMEZONE in the stream itself (not a built-in zone database), and the
// process runs with TZ=UTC, so an unresolved TZID shows up as a wrong UTC instant.
import ICAL from "ical.js";

function instant(time) {
  if (!time) return null;
  return {
    utc: time.toJSDate().toISOString().replace(".000Z", "Z"),
    local: time.toString(),
    tzid: time.zone ? time.zone.tzid : null,
  };
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const text = Buffer.concat(chunks).toString("utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      url: vevent.getFirstPropertyValue("url"),
      start: instant(event.startDate),
      end: instant(event.endDate),
    };
  });
  const timezones = calendar.getAllSubcomponents("vtimezone").map((zone) => ({
    tzid: zone.getFirstPropertyValue("tzid"),
    parts: zone.getAllSubcomponents().map((part) => ({
      kind: part.name,
      offsetTo: part.getFirstPropertyValue("tzoffsetto").toString(),
      rrule: part.getFirstPropertyValue("rrule")?.toString() ?? null,
      rdates: part.getAllProperties("rdate").length,
    })),
  }));
  const out = {
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    refreshInterval: calendar.getFirstPropertyValue("refresh-interval")?.toString() ?? null,
    timezones,
    events,
  };
  process.stdout.write(JSON.stringify(out));
});
