"""The directory as CSV and a contact as vCard: pure functions of the objects given."""

import csv
import io
from collections.abc import Iterable

import vobject
from flask_babel import gettext as _

from ..auth.models import User
from .models import Organisation

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def organisations_csv(organisations: Iterable[Organisation]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows umlauts right; one row per organisation,
    texts in the viewer's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Name"),
            _("Short name"),
            _("Kind"),
            _("Country"),
            _("City"),
            _("Address"),
            _("Website"),
            _("E-mail address"),
            _("Phone"),
            _("Policy fields"),
            _("Description"),
        ]
    )
    for org in organisations:
        writer.writerow(
            [
                _cell(org.name),
                _cell(org.short_name),
                org.kind.title,
                org.country.title,
                _cell(org.city),
                _cell(org.address),
                _cell(org.website),
                _cell(org.email),
                _cell(org.phone),
                "; ".join(str(field.name) for field in org.policy_fields),
                _cell(str(org.description)),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


NAME_PREFIXES = ("Prof. Dr.", "Dr.", "Prof.", "dr.", "prof.", "drs.", "ir.", "mr.")


def _split_name(name: str) -> vobject.vcard.Name:
    prefix = ""
    for candidate in NAME_PREFIXES:
        if name.startswith(candidate + " "):
            prefix, name = candidate, name[len(candidate) + 1 :]
            break
    given, _sep, family = name.rpartition(" ")
    return vobject.vcard.Name(family=family, given=given, prefix=prefix)


def contact_vcard(person: User, organisation: Organisation) -> str:
    """A vCard 3.0 with what the person chose to show: name, function, organisation, and
    their e-mail address and phone number only when they made them visible."""
    card = vobject.vCard()
    card.add("fn").value = person.name
    card.add("n").value = _split_name(person.name)
    card.add("org").value = [organisation.name]
    if person.function:
        card.add("title").value = person.function
    if person.is_email_public and person.email:
        email = card.add("email")
        email.value = person.email
        email.type_param = "INTERNET"
    if person.is_phone_public and person.phone:
        tel = card.add("tel")
        tel.value = person.phone
        tel.type_param = "WORK"
    if organisation.website:
        card.add("url").value = organisation.website
    card.add("uid").value = f"netwerkbrug-person-{person.id}"
    return card.serialize()
