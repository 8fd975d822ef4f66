"""A message rendered once with stand-ins and filled per reader on bytes reads, in Python's
`email` package and in Nodemailer's mailparser, exactly like the message built for that
reader directly: headers, both bodies, an attachment."""

from email import message_from_bytes, policy

import pytest

from app.mail.services import WIRE_POLICY, build_message
from app.mail.template import MessageTemplate, to_header

from .independent import parse_with_mailparser

EMAIL = "nbreader-d41f9c@example.invalid"
TOKEN = "NBTOKENd41f9c"  # noqa: S105 (a stand-in, not a secret)
# A line long enough that quoted-printable wraps it: the token lands on a soft break.
LONG_LINE = "Sehr geehrte Leserin, sehr geehrter Leser von Münster bis Enschede: " + TOKEN
TEXT = (
    "Guten Tag,\n\nSie erhalten dies, weil "
    + EMAIL
    + " angemeldet ist.\n"
    + LONG_LINE * 3
    + "\n.\nGleich = ungleich?  \nAbmelden: https://netwerkbrug.test/newsletter/unsubscribe/"
    + TOKEN
    + "\n"
)
HTML = f"<p>Für <b>{EMAIL}</b></p><p>{LONG_LINE * 4}</p><a href='/u/{TOKEN}'>weg</a>"
ICS = b"BEGIN:VCALENDAR\r\nSUMMARY:Arbeitssitzung M\xc3\xbcnster\r\nEND:VCALENDAR\r\n"


def _message(app, name: str, email: str, token: str, with_to: bool = True):
    with app.test_request_context():
        msg = build_message(
            (name, email),
            "Netwerkbrug Nieuwsbrief: Grenzüberschreitend",
            TEXT.replace(EMAIL, email).replace(TOKEN, token),
            HTML.replace(EMAIL, str(_escaped(email))).replace(TOKEN, token),
            attachments=[("sitzung.ics", "text/calendar", ICS)],
            headers={
                "List-Unsubscribe": f"<https://netwerkbrug.test/u/{token}>, "
                f"<mailto:inbox@netwerkbrug.test?subject=unsubscribe%20{token}>",
            },
        )
    if not with_to:
        del msg["To"]
    return msg


def _escaped(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))


READERS = [
    ("Jürgen Oßenbrügge", "juergen@münster.de", "tok-AAAAAAAAAAAAAAAAAAAAAA"),
    ("Mitchell, Sarah", "sarah+news@example.org", "tok-BBBBBBBBBBBBBBBBBBBBBB"),
    ("Wilhelmina van der Heijden-ter Horst Ääää Öööö Üüüü", "w@example.nl", "tok-CCCCCCCC"),
    ("A & B <Team>", "a&b@example.org", "tok-DDDDDDDDDDDDDDDDDDDDDD"),
]


@pytest.mark.parametrize(("name", "email", "token"), READERS)
def test_a_filled_template_reads_like_the_message_built_for_the_reader(app, name, email, token):
    template = MessageTemplate.of(_message(app, "", EMAIL, TOKEN, with_to=False), [EMAIL, TOKEN])
    head = to_header(name, email) + "Message-ID: <newsletter-7-42@netwerkbrug.test>\r\n"

    raw = template.fill({EMAIL: email, TOKEN: token}, head=head)

    direct = _message(app, name, email, token)
    got = message_from_bytes(raw, policy=policy.default)
    want = message_from_bytes(direct.as_bytes(policy=WIRE_POLICY), policy=policy.default)
    assert got["To"].addresses[0].display_name == name
    assert got["To"].addresses[0].addr_spec == want["To"].addresses[0].addr_spec
    assert got["Subject"] == want["Subject"]
    assert got["Message-ID"] == "<newsletter-7-42@netwerkbrug.test>"
    for kind in ("plain", "html"):
        assert got.get_body((kind,)).get_content() == want.get_body((kind,)).get_content()
    [attachment] = list(got.iter_attachments())
    assert attachment.get_payload(decode=True) == ICS
    # on the wire: CRLF only, no line over 998, the List-Unsubscribe URL readable as it is
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert f"<https://netwerkbrug.test/u/{token}>".encode() in raw
    # an independent parser reads the same
    parsed = parse_with_mailparser(raw)
    assert parsed["subject"] == "Netwerkbrug Nieuwsbrief: Grenzüberschreitend"
    assert parsed["listUnsubscribe"]["url"] == f"https://netwerkbrug.test/u/{token}"
    assert parsed["messageId"] == "<newsletter-7-42@netwerkbrug.test>"


def test_a_stand_in_split_by_a_quoted_printable_soft_break_is_still_filled(app):
    msg = _message(app, "", EMAIL, TOKEN, with_to=False)
    body = msg.as_bytes(policy=WIRE_POLICY).partition(b"\r\n\r\n")[2]
    # as the email package writes it, some stand-ins are not on the bytes as they are (cut
    # by a soft line break or encoded), so substituting on the finished bytes would miss them
    assert body.count(TOKEN.encode()) < TEXT.count(TOKEN) + HTML.count(TOKEN)
    template = MessageTemplate.of(msg, [EMAIL, TOKEN])

    raw = template.fill({EMAIL: "x@example.org", TOKEN: "VALUE"}, head="To: x@example.org\r\n")

    assert TOKEN.encode() not in raw and EMAIL.encode() not in raw
    got = message_from_bytes(raw, policy=policy.default)
    text = got.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.count("VALUE") == 4 and "\n.\n" in text and "Gleich = ungleich?  \n" in text


def test_values_are_escaped_in_html_and_left_as_they_are_in_text(app):
    template = MessageTemplate.of(_message(app, "", EMAIL, TOKEN, with_to=False), [EMAIL, TOKEN])

    raw = template.fill({EMAIL: "a&b@example.org", TOKEN: "t"}, head="To: a@example.org\r\n")

    got = message_from_bytes(raw, policy=policy.default)
    assert "<b>a&amp;b@example.org</b>" in got.get_body(("html",)).get_content()
    assert "weil a&b@example.org angemeldet" in got.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "kurz\r\n" + EMAIL,  # a last line without its line end, holding a mark
        "Ende mit Leerzeichen \r\n" + "x" * 75 + " \r\n" + TOKEN + "=" * 40 + "\r\n",
        "ü" * 100 + TOKEN + "ö" * 100 + "\r\n.\r\n\f Seite\u2028zwei \x85 " + EMAIL + "\r\n",
        # characters Python counts as line ends but quoted-printable does not
        "a" * 60 + "\f" + "b" * 60 + "\u2028" + "c" * 60 + "\x85" + "d" * 60 + "\r\n" + EMAIL,
        "\r\n".join("Zeile " * n + TOKEN * (n % 2) for n in range(30)) + "\r\n",
    ],
)
def test_a_part_encoded_line_by_line_is_the_part_encoded_whole(text):
    """The lines without a mark are encoded once; filled, a part must be exactly what
    quoted-printable makes of the reader's whole text (so never a line over 76)."""
    import binascii

    msg = build_message(("", EMAIL), "Betreff", text.replace("\r\n", "\n"))
    template = MessageTemplate.of(msg, [EMAIL, TOKEN])
    reader = {EMAIL: "leser@example.org", TOKEN: "tok-" + "Q" * 40}

    raw = template.fill(reader, head="To: leser@example.org\r\n")

    [(_, kept, _html)] = template.parts  # the text as the part holds it (CRLF, a last one)
    want = kept.replace(EMAIL, reader[EMAIL]).replace(TOKEN, reader[TOKEN])
    body = raw.partition(b"\r\n\r\n")[2]
    assert body == binascii.b2a_qp(want.encode("utf-8"), istext=True)
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
