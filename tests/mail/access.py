"""Rows of the route-access table (tests/test_access.py) for the incoming-mail pages."""

SIGN_IN = 302
ADMIN_PAGE = (SIGN_IN, 403, 200)

ACCESS: dict = {
    "mail.inbound": {"GET": ADMIN_PAGE},
    "mail.inbound_raw": {
        "args": lambda w: {"message_id": w["inbound_message"].id},
        "GET": ADMIN_PAGE,
    },
}


def populate(world: dict) -> None:
    from app.mail.inbound import receive

    world["inbound_message"] = receive(
        b"From: someone@example.org\r\nSubject: Hallo\r\n\r\nBody\r\n", "stdin"
    )
