"""The confirmation travels through the outbox and the real `flask worker` to an SMTP server
(aiosmtpd on loopback), in the registrant's language, with an .ics a calendar reads."""

from datetime import UTC, date, datetime

import icalendar
import vobject

from app.extensions import db
from app.visits import services
from tests.factories import make_organisation, make_visit
from tests.mail.conftest import _mail_from, smtp_sink, start_worker  # noqa: F401


def test_confirmation_arrives_over_smtp_with_a_parsable_ics(smtp_sink, start_worker):  # noqa: F811
    host = make_organisation(name="Stadt Münster")
    # 30 and 31 March 2030: summer time starts in the night between the two days.
    visit = make_visit(
        host, days=2, starts_on=date(2030, 3, 30), title_de="Integrationspiloten Münster"
    )
    services.register(
        visit,
        name="Ada Bakker",
        email="ada@example.org",
        organisation=None,
        organisation_name="Gemeente Almelo",
        function="Beleidsmedewerker",
        remarks="",
        locale="de",
    )
    db.session.commit()

    worker = start_worker(smtp_sink, "--once")
    code, output = worker.wait()
    assert code == 0, output
    by_recipient = {r.rcpt_tos[0]: r.message for r in smtp_sink.handler.received}
    assert set(by_recipient) == {"ada@example.org", "host@example.org"}
    message = by_recipient["ada@example.org"]
    assert "Integrationspiloten" in str(message["Subject"])
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    assert "/visits/cancel/" in text
    part = next(p for p in message.walk() if p.get_filename() == "visit.ics")
    # A mail program reads a text part without a charset as ASCII: the ü must survive.
    assert part.get_content_charset() == "utf-8"
    ics = part.get_content()
    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert all("Münster" in str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    starts = sorted(e.decoded("DTSTART").astimezone(UTC) for e in calendar.walk("VEVENT"))
    # 09:00 local: CET (UTC+1) on the 30th, CEST (UTC+2) on the 31st.
    assert starts == [datetime(2030, 3, 30, 8, tzinfo=UTC), datetime(2030, 3, 31, 7, tzinfo=UTC)]
    independent = sorted(e.dtstart.value.astimezone(UTC) for e in vobject.readOne(ics).vevent_list)
    assert independent == starts
