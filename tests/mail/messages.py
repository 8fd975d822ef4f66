"""Incoming messages as other programs write them, byte for byte (CRLF), for the inbound
channel's tests: delivery status notifications (RFC 3464, as Postfix sends them), a qmail
bounce (no DSN), an Exchange out-of-office reply, a mailto unsubscribe, and iTIP REPLY messages shaped as
Outlook/Exchange, Thunderbird, Apple Mail and Gmail send them (RFC 5546 section 3.2.3; the headers
and parameters each program is documented to write)."""

import base64
import quopri

INBOX = "inbox@netwerkbrug.example.org"


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def dsn(
    verp: str, *, final_recipient: str, status: str, action: str = "failed", diagnostic: str
) -> bytes:
    """A Postfix-style delivery status notification sent to the VERP Return-Path. Postfix
    marks it `Auto-Submitted: auto-replied`, like every DSN it writes."""
    return _crlf(f"""Return-Path: <>
Delivered-To: {verp}
From: MAILER-DAEMON@mx.gemeente.example.nl (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {verp}
Auto-Submitted: auto-replied
Date: Mon,  1 Mar 2027 10:15:02 +0100 (CET)
Message-Id: <20270301091502.4B2C1@mx.gemeente.example.nl>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4B2C1.1614590102/mx.gemeente.example.nl"

This is a MIME-encapsulated message.

--4B2C1.1614590102/mx.gemeente.example.nl
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.gemeente.example.nl.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4B2C1.1614590102/mx.gemeente.example.nl
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.gemeente.example.nl
X-Postfix-Queue-ID: 4B2C1
X-Postfix-Sender: rfc822; {verp}
Arrival-Date: Mon,  1 Mar 2027 10:15:01 +0100 (CET)

Final-Recipient: rfc822; {final_recipient}
Original-Recipient: rfc822;{final_recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.gemeente.example.nl
Diagnostic-Code: smtp; {diagnostic}

--4B2C1.1614590102/mx.gemeente.example.nl
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{verp}>
From: Netwerkbrug <noreply@netwerkbrug.example.org>
Subject: Netwerkbrug nieuwsbrief 2026 Q4

--4B2C1.1614590102/mx.gemeente.example.nl--
""")


def out_of_office(verp: str) -> bytes:
    """Exchange's automatic reply (RFC 3834 Auto-Submitted plus Microsoft's own headers),
    sent to the Return-Path: the VERP address, where a bounce would arrive too."""
    return _crlf(f"""Return-Path: <>
Delivered-To: {verp}
From: Petra Schulte <p.schulte@stadt-muenster.example.de>
To: {verp}
Subject: Automatische Antwort: Netwerkbrug nieuwsbrief 2026 Q4
Date: Mon, 1 Mar 2027 10:20:00 +0000
Message-ID: <oof-1@stadt-muenster.example.de>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: p.schulte@stadt-muenster.example.de
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit
MIME-Version: 1.0

Ich bin bis zum 15. März nicht im Büro. In dringenden Fällen wenden Sie sich bitte an
das Integrationsbüro.
""")


def unsubscribe_mail(sender: str, token: str) -> bytes:
    """What a mail program sends when the reader chooses the mailto unsubscribe: the
    subject from the mailto URI, whatever body the reader typed."""
    return _crlf(f"""From: <{sender}>
To: {INBOX}
Subject: unsubscribe {token}
Date: Mon, 1 Mar 2027 11:00:00 +0100
Message-ID: <unsub-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Bitte keine Post mehr.
""")


def unrelated_mail() -> bytes:
    return _crlf(f"""From: Gerrit Nijhuis <g.nijhuis@almelo.example.nl>
To: {INBOX}
Subject: Vraag over de volgende bijeenkomst
Date: Mon, 1 Mar 2027 12:00:00 +0100
Message-ID: <vraag-1@almelo.example.nl>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Beste projectleider, waar is de volgende bijeenkomst?
""")


VTIMEZONE_WINDOWS = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""

VTIMEZONE_BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
END:VTIMEZONE"""


def _ics(text: str) -> bytes:
    return _crlf(text.strip() + "\n")


def outlook_reply(uid: str, attendee: str, name: str, *, partstat="ACCEPTED", sequence=0) -> bytes:
    """Outlook/Exchange: multipart/alternative, the calendar base64-encoded with
    `method=REPLY`, MAILTO in capitals, Microsoft's time zone name and X-MICROSOFT props."""
    word = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}[partstat]
    ics = _ics(f"""
BEGIN:VCALENDAR
METHOD:REPLY
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
{VTIMEZONE_WINDOWS}
BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN={name}:MAILTO:{attendee.upper()}
COMMENT;LANGUAGE=nl-NL:\\n
SUMMARY;LANGUAGE=nl-NL:{word}: Werksessie Xenia
DTSTART;TZID=W. Europe Standard Time:20300603T100000
DTEND;TZID=W. Europe Standard Time:20300603T120000
UID:{uid}
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20270301T101500Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:{sequence}
LOCATION;LANGUAGE=nl-NL:Stadhuis Enschede
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
X-MICROSOFT-CDO-OWNERAPPTID:-1204563512
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DISALLOW-COUNTER:FALSE
END:VEVENT
END:VCALENDAR
""")
    encoded = base64.encodebytes(ics).decode("ascii")
    return _crlf(f"""From: {name} <{attendee}>
To: Netwerkbrug <{INBOX}>
Subject: {word}: Werksessie Xenia
Thread-Topic: Werksessie Xenia
Thread-Index: AQHXDm1l0n0d1ZpL
Date: Mon, 1 Mar 2027 10:15:00 +0000
Message-ID: <AM0PR07MB1234@AM0PR07MB1234.eurprd07.prod.outlook.example>
Accept-Language: nl-NL, en-US
Content-Language: nl-NL
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: multipart/alternative;
\tboundary="_000_AM0PR07MB1234_"
MIME-Version: 1.0

--_000_AM0PR07MB1234_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable


--_000_AM0PR07MB1234_
Content-Type: text/calendar; charset="utf-8"; method=REPLY
Content-Transfer-Encoding: base64

{encoded}
--_000_AM0PR07MB1234_--
""")


def thunderbird_reply(
    uid: str, attendee: str, name: str, *, partstat="TENTATIVE", sequence=0
) -> bytes:
    """Thunderbird (calendar in core): multipart/mixed with a text part, the text/calendar
    part (`method=REPLY`, 8bit) and the same calendar again as an `invite.ics` attachment."""
    ics = _ics(f"""
BEGIN:VCALENDAR
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
VERSION:2.0
METHOD:REPLY
{VTIMEZONE_BERLIN}
BEGIN:VEVENT
CREATED:20270301T090000Z
LAST-MODIFIED:20270301T101500Z
DTSTAMP:20270301T101500Z
UID:{uid}
SUMMARY:Werksessie Xenia
ORGANIZER;CN=Projectleider:mailto:{INBOX}
ATTENDEE;RSVP=TRUE;CN={name};PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:mailto:{attendee}
DTSTART;TZID=Europe/Berlin:20300603T100000
DTEND;TZID=Europe/Berlin:20300603T120000
SEQUENCE:{sequence}
X-MOZ-RECEIVED-SEQUENCE:{sequence}
X-MOZ-RECEIVED-DTSTAMP:20270301T090000Z
END:VEVENT
END:VCALENDAR
""").decode("utf-8")
    return _crlf(f"""Message-ID: <b7c1c2d3-tb@almelo.example.nl>
Date: Mon, 1 Mar 2027 11:15:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
From: {name} <{attendee}>
To: {INBOX}
Subject: Tentative: Werksessie Xenia
Content-Type: multipart/mixed; boundary="------------tb0123456789"

This is a multi-part message in MIME format.
--------------tb0123456789
Content-Type: multipart/alternative; boundary="------------tbalt987654321"

--------------tbalt987654321
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

{name} has accepted tentatively your event invitation.

--------------tbalt987654321
Content-Type: text/calendar; charset=UTF-8; method=REPLY
Content-Transfer-Encoding: 8bit

{ics}
--------------tbalt987654321--

--------------tb0123456789
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{base64.encodebytes(ics.encode()).decode("ascii")}
--------------tb0123456789--
""")


def apple_reply(uid: str, attendee: str, name: str, *, partstat="DECLINED", sequence=0) -> bytes:
    """Apple Mail/Calendar: multipart/alternative (Apple-Mail boundary), the calendar
    quoted-printable with a `name=` parameter, CUTYPE and EMAIL on the ATTENDEE."""
    ics = _ics(f"""
BEGIN:VCALENDAR
METHOD:REPLY
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.3//EN
CALSCALE:GREGORIAN
BEGIN:VEVENT
ATTENDEE;CN="{name}";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:{attendee}
DTEND;TZID=Europe/Berlin:20300603T120000
DTSTAMP:20270301T101500Z
DTSTART;TZID=Europe/Berlin:20300603T100000
ORGANIZER;CN="Projectleider";EMAIL="{INBOX}":mailto:{INBOX}
REQUEST-STATUS:2.0;Success
SEQUENCE:{sequence}
SUMMARY:Werksessie Xenia
UID:{uid}
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
END:VEVENT
END:VCALENDAR
""")
    encoded = quopri.encodestring(ics).decode("ascii")
    return _crlf(f"""From: {name} <{attendee}>
Content-Type: multipart/alternative;
\tboundary="Apple-Mail=_1F2E3D4C-5B6A-7980-A1B2-C3D4E5F60718"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.400.31\\))
Subject: Declined: Werksessie Xenia
Date: Mon, 1 Mar 2027 11:30:00 +0100
To: {INBOX}
Message-Id: <0A1B2C3D-apple@muenster.example.de>

--Apple-Mail=_1F2E3D4C-5B6A-7980-A1B2-C3D4E5F60718
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
\tcharset=us-ascii

{name} has declined your invitation.

--Apple-Mail=_1F2E3D4C-5B6A-7980-A1B2-C3D4E5F60718
Content-Transfer-Encoding: quoted-printable
Content-Type: text/calendar;
\tcharset=utf-8;
\tmethod=REPLY;
\tname=iCal-20270301-113000.ics

{encoded}
--Apple-Mail=_1F2E3D4C-5B6A-7980-A1B2-C3D4E5F60718--
""")


def counter_proposal(uid: str, attendee: str, name: str) -> bytes:
    """Outlook's "Propose new time": METHOD:COUNTER with the proposed start."""
    ics = _ics(f"""
BEGIN:VCALENDAR
METHOD:COUNTER
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VEVENT
ATTENDEE;PARTSTAT=TENTATIVE;CN={name}:MAILTO:{attendee}
DTSTART:20300603T120000Z
DTEND:20300603T140000Z
UID:{uid}
DTSTAMP:20270301T101500Z
SEQUENCE:0
END:VEVENT
END:VCALENDAR
""")
    return _crlf(f"""From: {name} <{attendee}>
To: {INBOX}
Subject: New Time Proposed: Werksessie Xenia
Date: Mon, 1 Mar 2027 10:16:00 +0000
Message-ID: <counter-1@outlook.example>
MIME-Version: 1.0
Content-Type: text/calendar; charset="utf-8"; method=COUNTER
Content-Transfer-Encoding: base64

{base64.encodebytes(ics).decode("ascii")}""")


def qmail_bounce(verp: str, address: str) -> bytes:
    """qmail's non-standard bounce: no DSN, the failed address in the text."""
    return _crlf(f"""Return-Path: <>
Delivered-To: {verp}
From: MAILER-DAEMON@mx.kreis-borken.example.de
To: {verp}
Subject: failure notice
Date: 1 Mar 2027 10:30:00 -0000
Message-ID: <qmail-1@mx.kreis-borken.example.de>

Hi. This is the qmail-send program at mx.kreis-borken.example.de.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{address}>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <{verp}>
From: Netwerkbrug <noreply@netwerkbrug.example.org>
Subject: Netwerkbrug nieuwsbrief 2026 Q4

Tekst.
""")


def gmail_reply(uid: str, attendee: str, name: str, *, partstat="ACCEPTED", sequence=0) -> bytes:
    """Google Calendar from Gmail: multipart/mixed with text, HTML and a 7bit text/calendar
    (`method=REPLY`) in an alternative, the calendar again as invite.ics; UTC times, the
    attendee's CN is the address, X-NUM-GUESTS on the ATTENDEE."""
    ics = _ics(f"""
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20300603T080000Z
DTEND:20300603T100000Z
DTSTAMP:20270301T101500Z
ORGANIZER;CN=Projectleider:mailto:{INBOX}
UID:{uid}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee};
 X-NUM-GUESTS=0:mailto:{attendee}
CREATED:20270301T090000Z
DESCRIPTION:
LAST-MODIFIED:20270301T101500Z
LOCATION:Stadhuis Enschede
SEQUENCE:{sequence}
STATUS:CONFIRMED
SUMMARY:Werksessie Xenia
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
""").decode("utf-8")
    return _crlf(f"""MIME-Version: 1.0
Date: Mon, 1 Mar 2027 11:45:00 +0100
Message-ID: <CAGmail0123456789@mail.gmail.example>
Subject: Accepted: Werksessie Xenia @ Mon 3 Jun 2030 10:00 - 12:00 (CEST) ({INBOX})
From: {name} <{attendee}>
To: {INBOX}
Content-Type: multipart/mixed; boundary="000000000000a1b2c3d4e5f6"

--000000000000a1b2c3d4e5f6
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f5"

--000000000000a1b2c3d4e5f5
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

{name} has accepted this invitation.

--000000000000a1b2c3d4e5f5
Content-Type: text/html; charset="UTF-8"

<p>{name} has accepted this invitation.</p>

--000000000000a1b2c3d4e5f5
Content-Type: text/calendar; charset="UTF-8"; method=REPLY
Content-Transfer-Encoding: 7bit

{ics}
--000000000000a1b2c3d4e5f5--

--000000000000a1b2c3d4e5f6
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{base64.encodebytes(ics.encode()).decode("ascii")}
--000000000000a1b2c3d4e5f6--
""")
