"""Test data for the working-group tests that the shared factories do not cover."""

import io
import itertools
import zipfile

from app.extensions import db
from app.partners.models import Country, Organisation, OrganisationKind

_counter = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def organisation(country: Country = Country.DE, name: str | None = None) -> Organisation:
    n = next(_counter)
    org = Organisation(
        name=name or f"Organisation {n} ({country.value})",
        kind=OrganisationKind.other,
        country=country,
        city="Münster" if country == Country.DE else "Enschede",
    )
    db.session.add(org)
    db.session.flush()
    return org
