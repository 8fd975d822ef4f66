"""Demo newsletter: 30 confirmed subscribers in three languages, the sent edition "2026 Q3"
(modelled on the projects' summary of the first quarter of 2004) and a draft "2026 Q4".
Idempotent: what exists already is left alone. The sent edition gets a delivery per
subscriber with an outbox row already marked sent, so the statistics show something and
the demo worker has nothing to send."""

from datetime import timedelta

import sqlalchemy as sa

from ..core.database import utcnow
from ..extensions import db
from ..mail.models import OutboxStatus
from ..mail.services import queue_message
from .models import (
    ConsentSource,
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
)
from .services import EDITION_CATEGORY, Reader, edition_message

CONSENT_BASIS = "Demo data: fictional people, no real addresses."

SUBSCRIBERS = [
    ("Wilma ter Horst", "Gemeente Enschede", "nl"),
    ("Henk Oude Nijhuis", "Gemeente Almelo", "nl"),
    ("Saskia Brinkman", "ROC van Twente", "nl"),
    ("Ruud Kampman", "Gemeente Hengelo", "nl"),
    ("Fatima El Idrissi", "Stichting Vluchtelingenwerk Twente", "nl"),
    ("Joost Wessels", "Provincie Overijssel", "nl"),
    ("Marloes Ten Dam", "Universiteit Twente", "nl"),
    ("Bart Nijenhuis", "Woningcorporatie Domijn", "nl"),
    ("Ingrid Lammers", "Gemeente Oldenzaal", "nl"),
    ("Peter Huttenhuis", "", "nl"),
    ("Jürgen Oßenbrügge", "Stadt Münster", "de"),
    ("Gabriele Schäfer", "Stadt Münster, Sozialamt", "de"),
    ("Dr. Heinrich Többen", "Universität Münster", "de"),
    ("Ayşe Demir", "Caritasverband Münster", "de"),
    ("Klaus Wübbeling", "Bezirksregierung Münster", "de"),
    ("Monika Große-Wöstmann", "Kreis Borken", "de"),
    ("Stefan Kötter", "Wohn + Stadtbau Münster", "de"),
    ("Renate Hölscher", "Volkshochschule Münster", "de"),
    ("Thomas Büscher", "Agentur für Arbeit Rheine", "de"),
    ("Elena Wolkow", "Integrationsrat Münster", "de"),
    ("Birgit Sünnemann", "EUREGIO", "de"),
    ("Andreas Lütke", "Stadt Gronau", "de"),
    ("Sarah Mitchell", "Migration Policy Group", "en"),
    ("David Okafor", "University of Manchester", "en"),
    ("Anna Kowalska", "European Commission, DG REGIO", "en"),
    ("Lucas Martin", "Eurocities", "en"),
    ("Maria Rossi", "INTERREG Secretariat", "en"),
    ("John Baker", "", "en"),
    ("Nadia Haddad", "Council of Europe, Intercultural Cities", "en"),
    ("Erik Johansson", "Malmö stad", "en"),
]


def _address(name: str) -> str:
    table = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", "ş": "s", ".": ""})
    local = name.lower().translate(table).replace("dr ", "").replace(" ", ".").replace("'", "")
    return f"{local}@example.org"


Q3_NL = """Het derde kwartaal stond in het teken van **organisatie, communicatie en de eerste resultaten**.

## Algemeen
Met de wetenschappers van de werkgroep wetenschap zijn gesprekken gevoerd en afspraken gemaakt. De regiegroep kwam in Münster bijeen; de projectgroep is gevormd.

## In Enschede
De gemeente draagt het casework over aan het ROC van Twente en coördineert zelf: samenwerking, scholing en begeleiding naar werk. Het loodswerk blijft grotendeels bij de gemeente.

## In Münster
Van juli tot eind september werden 43 nieuwkomers door de loods begeleid. Drie gezinnen zijn van de opvang naar een eigen woning verhuisd; alle leerplichtige kinderen gaan naar school.

## Wat komt
- werksessie van de Xenia-groep over wonen, 14 oktober in Enschede
- binationale conferentie in het voorjaar

Meer op [de website van Netwerkbrug](https://netwerkbrug.example.org/)."""

Q3_DE = """Das dritte Quartal stand im Zeichen von **Organisation, Kommunikation und ersten Ergebnissen**.

## Allgemein
Mit den Wissenschaftlern der Arbeitsgruppe Wissenschaft wurden Gespräche geführt und Absprachen getroffen. Der Regiekreis tagte in Münster; die Projektgruppe wurde gebildet.

## In Enschede
Die Gemeinde überträgt die Fallarbeit an das ROC van Twente und koordiniert selbst: Zusammenarbeit, Qualifizierung und Begleitung in Arbeit. Die Lotsenarbeit bleibt größtenteils bei der Gemeinde.

## In Münster
Von Juli bis Ende September wurden 43 Zuwanderer von der Lotsin begleitet. Drei Familien sind aus den Übergangswohnheimen in eigene Wohnungen gezogen; alle schulpflichtigen Kinder besuchen eine Schule.

## Was kommt
- Arbeitssitzung der Xenia-Gruppe zum Wohnen, 14. Oktober in Enschede
- binationale Konferenz im Frühjahr

Mehr auf [der Website von Netwerkbrug](https://netwerkbrug.example.org/)."""

Q4_NL = """Concept: de binationale conferentie, de consensus over niet-gesegregeerd wonen en de planning voor 2027."""
Q4_DE = """Entwurf: die binationale Konferenz, der Konsens zum nicht segregierten Wohnen und die Planung für 2027."""


def seed_newsletter() -> dict[str, int]:
    """Adds what is missing; returns how many subscribers and editions were added."""
    now = utcnow()
    added_subscribers = 0
    existing = set(db.session.scalars(sa.select(Subscriber.email)))
    for index, (name, organisation, language) in enumerate(SUBSCRIBERS):
        email = _address(name)
        if email in existing:
            continue
        db.session.add(
            Subscriber(
                email=email,
                name=name,
                organisation=organisation,
                language=language,
                status=SubscriberStatus.confirmed,
                consent_source=ConsentSource.form if index % 3 else ConsentSource.imported,
                consent_at=now - timedelta(days=120 - index),
                consent_basis="" if index % 3 else CONSENT_BASIS,
                created_at=now - timedelta(days=121 - index),
            )
        )
        added_subscribers += 1
    db.session.flush()

    added_editions = 0
    quarters = set(db.session.scalars(sa.select(Edition.quarter)))
    if "2026 Q3" not in quarters:
        sent = Edition(
            quarter="2026 Q3",
            title_nl="Samenvatting van het derde kwartaal",
            title_de="Zusammenfassung des dritten Quartals",
            body_nl=Q3_NL,
            body_de=Q3_DE,
            status=EditionStatus.sent,
            queued_at=now - timedelta(days=60),
            sent_at=now - timedelta(days=60),
        )
        db.session.add(sent)
        db.session.flush()
        confirmed = sa.select(Subscriber).where(Subscriber.status == SubscriberStatus.confirmed)
        for subscriber in db.session.scalars(confirmed).all():
            row = queue_message(
                edition_message(sent, Reader.of(subscriber)), category=EDITION_CATEGORY
            )
            row.status = OutboxStatus.sent  # already delivered: the worker leaves it alone
            row.attempts = 1
            row.sent_at = sent.sent_at
            db.session.add(
                Delivery(
                    edition_id=sent.id,
                    subscriber_id=subscriber.id,
                    status=DeliveryStatus.queued,
                    language=sent.content_language(subscriber.language),
                    outbox_message_id=row.id,
                )
            )
        added_editions += 1
    if "2026 Q4" not in quarters:
        db.session.add(
            Edition(
                quarter="2026 Q4",
                title_nl="Vooruitblik op de binationale conferentie",
                title_de="Ausblick auf die binationale Konferenz",
                body_nl=Q4_NL,
                body_de=Q4_DE,
            )
        )
        added_editions += 1
    db.session.flush()
    return {"newsletter subscribers": added_subscribers, "newsletter editions": added_editions}
