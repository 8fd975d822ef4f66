"""Demo organisations: the real partners of the seeds' projects on both sides of the border,
with their policy fields, short descriptions in three languages and a few fictional contacts.
Idempotent: what exists is kept; only empty descriptions and policy fields are filled in."""

import sqlalchemy as sa

from ..auth.models import Gender, User, normalise_email
from ..extensions import db
from .models import Country, Organisation, OrganisationKind, PolicyField

# slug: (nl, de, en) — the twelve policy fields of the project.
POLICY_FIELDS = {
    "language-education": ("Taal en onderwijs", "Sprache und Bildung", "Language & education"),
    "housing": ("Wonen", "Wohnen", "Housing"),
    "work-economy": ("Werk en economie", "Arbeit und Wirtschaft", "Work & economy"),
    "safety": ("Veiligheid", "Sicherheit", "Safety"),
    "health": ("Gezondheid", "Gesundheit", "Health"),
    "youth": ("Jeugd", "Jugend", "Youth"),
    "culture": ("Cultuur", "Kultur", "Culture"),
    "sport": ("Sport", "Sport", "Sport"),
    "social-cohesion": ("Sociale samenhang", "Sozialer Zusammenhalt", "Social cohesion"),
    "intake-newcomers": (
        "Opvang en nieuwkomers",
        "Aufnahme und Neuzugewanderte",
        "Intake & newcomers",
    ),
    "participation": ("Participatie", "Teilhabe", "Participation"),
    "gender-mainstreaming": ("Gendermainstreaming", "Gender-Mainstreaming", "Gender mainstreaming"),
}

K = OrganisationKind
NL, DE = Country.NL, Country.DE
# name, short name, kind, country, city, website, address, policy fields, (nl, de, en)
ORGANISATIONS = [
    (
        "Stadt Münster",
        "Münster",
        K.municipality,
        DE,
        "Münster",
        "https://www.stadt-muenster.de",
        "Klemensstraße 10, 48143 Münster",
        [
            "intake-newcomers",
            "housing",
            "language-education",
            "work-economy",
            "social-cohesion",
            "participation",
            "gender-mainstreaming",
        ],
        (
            "Leidt het project samen met het ROC van Twente. Het bureau voor Aussiedler-, "
            "vluchtelingen- en asielzaken begeleidt nieuwkomers en bouwt aan een integratienetwerk "
            "rond het thema wonen.",
            "Leitet das Projekt gemeinsam mit dem ROC van Twente. Die Fachstelle für Aussiedler-, "
            "Flüchtlings- und Asylangelegenheiten begleitet Neuzugewanderte und baut ein "
            "Integrationsnetzwerk rund um das Wohnen auf.",
            "Leads the project together with ROC van Twente. Its office for resettlers, refugees "
            "and asylum seekers supports newcomers and builds an integration network around "
            "housing.",
        ),
    ),
    (
        "Gemeente Enschede",
        "Enschede",
        K.municipality,
        NL,
        "Enschede",
        "https://www.enschede.nl",
        "Langestraat 24, 7511 HC Enschede",
        [
            "intake-newcomers",
            "language-education",
            "work-economy",
            "participation",
            "social-cohesion",
            "housing",
        ],
        (
            "Werkte in 2004–2005 met Münster aan gemeentelijke integratiemodellen en besteedt de "
            "inburgering van nieuwkomers en oudkomers aan bij het ROC van Twente.",
            "Arbeitete 2004–2005 mit Münster an kommunalen Integrationsmodellen und vergibt die "
            "Integrationskurse für Neu- und Altzugewanderte an das ROC van Twente.",
            "Worked with Münster on municipal integration models in 2004–2005 and contracts the "
            "civic integration courses for newcomers and long-term residents to ROC van Twente.",
        ),
    ),
    (
        "Gemeente Almelo",
        "Almelo",
        K.municipality,
        NL,
        "Almelo",
        "https://www.almelo.nl",
        "",
        ["intake-newcomers", "housing", "social-cohesion", "participation", "youth"],
        (
            "Twentse gemeente met een eigen integratievisie; partner in het project "
            "‘Integratievisie’.",
            "Twenter Gemeinde mit eigener Integrationsvision; Partner im Projekt "
            "„Integrationsvision“.",
            "Municipality in Twente with its own integration vision; partner in the "
            "'Integration vision' project.",
        ),
    ),
    (
        "ROC van Twente",
        "ROC",
        K.education,
        NL,
        "Hengelo",
        "https://www.rocvantwente.nl",
        "",
        ["language-education", "intake-newcomers", "work-economy", "participation"],
        (
            "Regionaal opleidingscentrum; de School voor Educatie en Contractactiviteiten verzorgt "
            "inburgeringscursussen en duale trajecten van taal en werk.",
            "Regionales Ausbildungszentrum; die Schule für Erwachsenenbildung und "
            "Auftragsmaßnahmen bietet Integrationskurse und duale Wege aus Sprache und Arbeit an.",
            "Regional training centre; its school for adult education and contract activities "
            "runs civic integration courses and dual pathways of language and work.",
        ),
    ),
    (
        "EUREGIO",
        "EUREGIO",
        K.other,
        DE,
        "Gronau",
        "https://www.euregio.eu",
        "Enscheder Straße 362, 48599 Gronau",
        ["work-economy", "culture", "participation", "social-cohesion"],
        (
            "Grensoverschrijdend samenwerkingsverband van Duitse en Nederlandse gemeenten; beheert "
            "het INTERREG-programma waaruit het project wordt gesubsidieerd.",
            "Grenzüberschreitender Zweckverband deutscher und niederländischer Kommunen; verwaltet "
            "das INTERREG-Programm, aus dem das Projekt gefördert wird.",
            "Cross-border association of German and Dutch municipalities; manages the INTERREG "
            "programme that funds the project.",
        ),
    ),
    (
        "Provincie Overijssel",
        "Overijssel",
        K.province_state,
        NL,
        "Zwolle",
        "https://www.overijssel.nl",
        "",
        ["intake-newcomers", "work-economy", "gender-mainstreaming", "participation"],
        (
            "Medefinancier van het project en lid van de regiegroep.",
            "Mitfinanzierende Provinz und Mitglied der Steuerungsgruppe.",
            "Co-funds the project and sits on the steering group.",
        ),
    ),
    (
        "Land Nordrhein-Westfalen",
        "NRW",
        K.province_state,
        DE,
        "Düsseldorf",
        "https://www.land.nrw",
        "",
        ["intake-newcomers", "work-economy", "gender-mainstreaming", "health"],
        (
            "De deelstaat subsidieert het project via het ministerie van gezondheid, sociale zaken, "
            "vrouwen en familie en neemt deel aan de regiegroep.",
            "Das Land fördert das Projekt über das Ministerium für Gesundheit, Soziales, Frauen und "
            "Familie und wirkt in der Steuerungsgruppe mit.",
            "The state funds the project through its ministry of health, social affairs, women and "
            "family, and sits on the steering group.",
        ),
    ),
    (
        "Bezirksregierung Münster",
        "BR Münster",
        K.district_government,
        DE,
        "Münster",
        "https://www.bezreg-muenster.de",
        "",
        ["intake-newcomers", "language-education", "participation"],
        (
            "Regionale overheid tussen deelstaat en gemeenten; lid van de regiegroep.",
            "Mittelbehörde zwischen Land und Kommunen; Mitglied der Steuerungsgruppe.",
            "Regional government between the state and the municipalities; member of the steering "
            "group.",
        ),
    ),
    (
        "Universität Münster",
        "WWU",
        K.university,
        DE,
        "Münster",
        "https://www.uni-muenster.de",
        "",
        ["language-education", "housing", "social-cohesion"],
        (
            "Het Institut für Politikwissenschaft en het Institut für Geographie begeleiden het "
            "project wetenschappelijk: integratie-indicatoren en wonen in verschillende wijken.",
            "Das Institut für Politikwissenschaft und das Institut für Geographie begleiten das "
            "Projekt wissenschaftlich: Integrationsindikatoren und Wohnen in verschiedenen "
            "Stadtteilen.",
            "Its institutes of political science and geography provide the scientific monitoring: "
            "integration indicators and housing in different neighbourhoods.",
        ),
    ),
    (
        "Universiteit Twente",
        "UT",
        K.university,
        NL,
        "Enschede",
        "https://www.utwente.nl",
        "",
        ["language-education", "participation", "social-cohesion"],
        (
            "Onderzoekt de integratie-indicatoren aan Nederlandse zijde.",
            "Erforscht die Integrationsindikatoren auf niederländischer Seite.",
            "Researches the integration indicators on the Dutch side.",
        ),
    ),
    (
        "Ausländerbeirat der Stadt Münster",
        "Ausländerbeirat",
        K.migrant_organisation,
        DE,
        "Münster",
        "",
        "",
        ["participation", "social-cohesion", "intake-newcomers"],
        (
            "Gekozen adviesraad van en voor inwoners zonder Duits paspoort; vertegenwoordigt "
            "migranten in de werkgroep Xenia en de regiegroep.",
            "Gewählte Vertretung der Einwohnerinnen und Einwohner ohne deutschen Pass; vertritt "
            "Zugewanderte in der Arbeitsgemeinschaft Xenia und der Steuerungsgruppe.",
            "Elected council of and for residents without a German passport; represents migrants "
            "in the Xenia working group and the steering group.",
        ),
    ),
    (
        "Landsmannschaft der Deutschen aus Russland, Ortsgruppe Münster",
        "LmDR",
        K.migrant_organisation,
        DE,
        "Münster",
        "",
        "",
        ["intake-newcomers", "culture", "social-cohesion", "youth"],
        (
            "Vertegenwoordigt de Spätaussiedler uit de voormalige Sovjet-Unie, de eerste "
            "doelgroep van het project in Münster.",
            "Vertritt die Spätaussiedler aus der ehemaligen Sowjetunion, die erste Zielgruppe des "
            "Projekts in Münster.",
            "Represents the late resettlers from the former Soviet Union, the project's first "
            "target group in Münster.",
        ),
    ),
    (
        "Caritasverband für die Stadt Münster",
        "Caritas",
        K.welfare,
        DE,
        "Münster",
        "https://www.caritas-ms.de",
        "",
        ["intake-newcomers", "health", "youth", "housing"],
        (
            "Katholieke welzijnsorganisatie met migratiedienst en jeugdwerk.",
            "Katholischer Wohlfahrtsverband mit Migrationsdienst und Jugendhilfe.",
            "Catholic welfare organisation with a migration service and youth work.",
        ),
    ),
    (
        "Diakonie Münster",
        "Diakonie",
        K.welfare,
        DE,
        "Münster",
        "https://www.diakonie-muenster.de",
        "",
        ["intake-newcomers", "housing", "work-economy"],
        (
            "Protestantse welzijnsorganisatie; haar directeur gaf de werkgroep Xenia haar naam.",
            "Evangelischer Wohlfahrtsverband; sein Leiter gab der Arbeitsgemeinschaft Xenia ihren "
            "Namen.",
            "Protestant welfare organisation; its director gave the Xenia working group its name.",
        ),
    ),
    (
        "Wohn + Stadtbau Münster",
        "Wohn+Stadtbau",
        K.housing,
        DE,
        "Münster",
        "https://www.wohnundstadtbau.de",
        "",
        ["housing", "social-cohesion"],
        (
            "Stedelijke woningbouwvereniging van Münster; werkt in de werkgroep Xenia aan wonen "
            "voor nieuwkomers.",
            "Städtisches Wohnungsunternehmen in Münster; arbeitet in der Arbeitsgemeinschaft Xenia "
            "am Wohnen für Zuwanderer.",
            "Münster's municipal housing company; works on housing for newcomers in the Xenia "
            "working group.",
        ),
    ),
    (
        "Domijn",
        "Domijn",
        K.housing,
        NL,
        "Enschede",
        "https://www.domijn.nl",
        "",
        ["housing", "social-cohesion", "participation"],
        (
            "Woningcorporatie in Enschede en Haaksbergen.",
            "Wohnungsbaugesellschaft in Enschede und Haaksbergen.",
            "Housing corporation in Enschede and Haaksbergen.",
        ),
    ),
    (
        "Polizeipräsidium Münster",
        "Polizei Münster",
        K.police,
        DE,
        "Münster",
        "",
        "",
        ["safety", "youth"],
        (
            "Politie van Münster; neemt deel aan de werkgroep Xenia.",
            "Polizei in Münster; wirkt in der Arbeitsgemeinschaft Xenia mit.",
            "Münster police; takes part in the Xenia working group.",
        ),
    ),
    (
        "Politie Oost-Nederland",
        "Politie",
        K.police,
        NL,
        "Enschede",
        "",
        "",
        ["safety", "youth"],
        (
            "Politie-eenheid voor Overijssel en Gelderland.",
            "Polizeieinheit für Overijssel und Gelderland.",
            "Police unit for Overijssel and Gelderland.",
        ),
    ),
    (
        "Volkshochschule Münster",
        "VHS",
        K.education,
        DE,
        "Münster",
        "",
        "",
        ["language-education", "intake-newcomers", "participation"],
        (
            "Volkshogeschool; geeft integratie- en taalcursussen Duits.",
            "Volkshochschule; bietet Integrations- und Deutschkurse an.",
            "Adult education centre; runs integration and German language courses.",
        ),
    ),
    (
        "Agentur für Arbeit Münster",
        "Arbeitsagentur",
        K.employment,
        DE,
        "Münster",
        "",
        "",
        ["work-economy", "language-education"],
        (
            "Federaal arbeidsbureau in Münster; financiert mee aan trajecten naar werk.",
            "Agentur der Bundesagentur für Arbeit in Münster; fördert Wege in Arbeit mit.",
            "Münster office of the Federal Employment Agency; co-funds pathways into work.",
        ),
    ),
    (
        "Evangelischer Kirchenkreis Münster",
        "Kirchenkreis",
        K.church,
        DE,
        "Münster",
        "",
        "",
        ["social-cohesion", "youth", "intake-newcomers"],
        (
            "Protestantse kerkenkring; de kerken zijn vertegenwoordigd in de werkgroep Xenia.",
            "Evangelischer Kirchenkreis; die Kirchen sind in der Arbeitsgemeinschaft Xenia "
            "vertreten.",
            "Protestant church district; the churches are represented in the Xenia working group.",
        ),
    ),
    (
        "Gesundheitsamt der Stadt Münster",
        "Gesundheitsamt",
        K.health,
        DE,
        "Münster",
        "",
        "",
        ["health", "intake-newcomers", "youth"],
        (
            "Gemeentelijke gezondheidsdienst; vaccineerde onder meer jonge Spätaussiedler tegen "
            "hepatitis.",
            "Kommunaler Gesundheitsdienst; impfte unter anderem junge Spätaussiedler gegen "
            "Hepatitis.",
            "Municipal health service; among other things vaccinated young resettlers against "
            "hepatitis.",
        ),
    ),
    (
        "Stadtsportbund Münster",
        "SSB",
        K.culture_sport,
        DE,
        "Münster",
        "",
        "",
        ["sport", "youth", "participation"],
        (
            "Koepel van de sportverenigingen in Münster.",
            "Dachverband der Sportvereine in Münster.",
            "Umbrella organisation of Münster's sports clubs.",
        ),
    ),
    (
        "VluchtelingenWerk Oost Nederland",
        "VluchtelingenWerk",
        K.welfare,
        NL,
        "Enschede",
        "",
        "",
        ["intake-newcomers", "language-education", "participation"],
        (
            "Begeleidt vluchtelingen bij hun start in de gemeente; deel van het netwerk rond het "
            "ROC.",
            "Begleitet Geflüchtete beim Start in der Gemeinde; Teil des Netzwerks um das ROC.",
            "Supports refugees as they settle in; part of the network around the ROC.",
        ),
    ),
    (
        "Woonstichting Sint Joseph",
        "Sint Joseph",
        K.housing,
        NL,
        "Almelo",
        "",
        "",
        ["housing", "social-cohesion"],
        (
            "Woningcorporatie in Almelo.",
            "Wohnungsbaugesellschaft in Almelo.",
            "Housing corporation in Almelo.",
        ),
    ),
    (
        "Raad van Kerken Enschede",
        "Raad van Kerken",
        K.church,
        NL,
        "Enschede",
        "",
        "",
        ["social-cohesion", "intake-newcomers"],
        (
            "Overleg van de kerken in Enschede; betrokken bij opvang en ontmoeting.",
            "Rat der Kirchen in Enschede; engagiert in Aufnahme und Begegnung.",
            "Council of churches in Enschede; involved in reception and encounter.",
        ),
    ),
    (
        "UWV Enschede",
        "UWV",
        K.employment,
        NL,
        "Enschede",
        "",
        "",
        ["work-economy", "participation"],
        (
            "Uitvoeringsinstituut werknemersverzekeringen: bemiddeling naar werk.",
            "Niederländische Arbeitsverwaltung: Vermittlung in Arbeit.",
            "Dutch employee insurance agency: helps people into work.",
        ),
    ),
    (
        "GGD Twente",
        "GGD",
        K.health,
        NL,
        "Enschede",
        "",
        "",
        ["health", "youth", "intake-newcomers"],
        (
            "Gemeentelijke gezondheidsdienst voor de veertien Twentse gemeenten.",
            "Gesundheitsdienst der vierzehn Twenter Gemeinden.",
            "Public health service of the fourteen municipalities of Twente.",
        ),
    ),
    (
        "Alifa",
        "Alifa",
        K.welfare,
        NL,
        "Almelo",
        "",
        "",
        ["social-cohesion", "youth", "participation"],
        (
            "Welzijnsorganisatie in Twente: opbouwwerk, jongerenwerk en maatschappelijk werk.",
            "Wohlfahrtsorganisation in Twente: Gemeinwesenarbeit, Jugendarbeit und Sozialarbeit.",
            "Welfare organisation in Twente: community work, youth work and social work.",
        ),
    ),
    (
        "Sportbedrijf Enschede",
        "Sportbedrijf",
        K.culture_sport,
        NL,
        "Enschede",
        "",
        "",
        ["sport", "youth", "participation"],
        (
            "Stimuleert sport en bewegen in Enschede, ook voor nieuwkomers.",
            "Fördert Sport und Bewegung in Enschede, auch für Neuzugewanderte.",
            "Promotes sport and exercise in Enschede, newcomers included.",
        ),
    ),
]

# Fictional contacts: e-mail, name, function, organisation, leader, editor, shows e-mail,
# phone (shown when given).
CONTACTS = [
    (
        "h.brueggemann@example.org",
        "Heike Brüggemann",
        "Leiterin Integrationsstelle",
        "Stadt Münster",
        True,
        True,
        True,
        "+49 251 000 1001",
    ),
    (
        "jw.terhorst@example.org",
        "Jan-Willem ter Horst",
        "Beleidsmedewerker integratie",
        "Gemeente Enschede",
        False,
        True,
        True,
        "+31 53 000 2002",
    ),
    (
        "s.aydin@example.org",
        "Sevgi Aydın",
        "Teamleider Educatie",
        "ROC van Twente",
        True,
        True,
        True,
        "",
    ),
    (
        "d.weber@example.org",
        "Dmitri Weber",
        "Vorsitzender der Ortsgruppe",
        "Landsmannschaft der Deutschen aus Russland, Ortsgruppe Münster",
        True,
        False,
        False,
        "",
    ),
    (
        "m.grosse-kleimann@example.org",
        "Maria Große-Kleimann",
        "Fachdienst Migration",
        "Caritasverband für die Stadt Münster",
        False,
        False,
        True,
        "+49 251 000 3003",
    ),
    ("e.nijhuis@example.org", "Ellen Nijhuis", "Wijkconsulent", "Domijn", False, False, True, ""),
    (
        "t.schulze-hoeping@example.org",
        "Thomas Schulze Höping",
        "Leiter Vermietung",
        "Wohn + Stadtbau Münster",
        True,
        True,
        True,
        "",
    ),
]


def seed_policy_fields() -> dict[str, PolicyField]:
    existing = {f.slug: f for f in db.session.scalars(sa.select(PolicyField))}
    for position, (slug, (nl, de, en)) in enumerate(POLICY_FIELDS.items(), start=1):
        if slug not in existing:
            field = PolicyField(slug=slug, name_nl=nl, name_de=de, name_en=en, position=position)
            db.session.add(field)
            existing[slug] = field
    db.session.flush()
    return existing


def seed_contacts(by_name: dict[str, Organisation]) -> int:
    added = 0
    for email, name, function, org_name, leader, editor, email_public, phone in CONTACTS:
        if db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email))):
            continue
        db.session.add(
            User(
                email=email,
                name=name,
                function=function,
                locale="de" if by_name[org_name].country == Country.DE else "nl",
                gender=Gender.not_stated,
                organisation=by_name[org_name],
                is_organisation_leader=leader,
                is_organisation_editor=editor,
                is_email_public=email_public,
                phone=phone,
                is_phone_public=bool(phone),
            )
        )
        added += 1
    return added


def seed_organisations() -> int:
    """Adds the policy fields, organisations and contacts that are missing; fills in empty
    descriptions and policy fields of existing organisations. Returns how many organisations
    were added."""
    fields = seed_policy_fields()
    by_name = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    added = 0
    for row in ORGANISATIONS:
        name, short, kind, country, city, website, address, slugs, (nl, de, en) = row
        organisation = by_name.get(name)
        if organisation is None:
            organisation = Organisation(
                name=name,
                short_name=short,
                kind=kind,
                country=country,
                city=city,
                website=website,
                address=address,
            )
            db.session.add(organisation)
            by_name[name] = organisation
            added += 1
        if not (organisation.description_nl or organisation.description_de):
            organisation.description_nl = nl
            organisation.description_de = de
            organisation.description_en = organisation.description_en or en
        if not organisation.policy_fields:
            organisation.policy_fields = [fields[slug] for slug in slugs]
    db.session.flush()
    seed_contacts(by_name)
    db.session.flush()
    return added
