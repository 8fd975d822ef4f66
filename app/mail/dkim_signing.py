"""Optional DKIM signing (RFC 6376) of every outgoing message, for a municipal sending
domain: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE (a PEM RSA key whose
public half is published at `<selector>._domainkey.<domain>`). dkimpy does the signing."""

from pathlib import Path

import dkim

# What a receiver should see unchanged, the list headers included (RFC 8058 asks that
# List-Unsubscribe and List-Unsubscribe-Post be covered by the signature).
SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Cc",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Language",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
]


class DkimSigner:
    def __init__(self, domain: str, selector: str, private_key: bytes) -> None:
        self.domain = domain.encode("ascii")
        self.selector = selector.encode("ascii")
        self.private_key = private_key

    @classmethod
    def from_config(cls, config) -> "DkimSigner | None":
        """None unless all three settings are there; a missing key file is an error at
        start, not a silently unsigned mail."""
        domain, selector, key_file = (
            config.get("DKIM_DOMAIN"),
            config.get("DKIM_SELECTOR"),
            config.get("DKIM_PRIVATE_KEY_FILE"),
        )
        if not (domain and selector and key_file):
            return None
        return cls(domain, selector, Path(key_file).read_bytes())

    def sign(self, raw: bytes) -> bytes:
        """The message with a DKIM-Signature header in front."""
        signature = dkim.sign(
            raw,
            self.selector,
            self.domain,
            self.private_key,
            include_headers=SIGNED_HEADERS,
            linesep=b"\r\n",
        )
        return signature + raw
