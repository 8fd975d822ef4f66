"""Demo projects: the seeds' INTERREG projects (Migranten integreren 2004-2005 and 2006,
Integratievisie 2008-2011 with its phases) and, so that the demo's own meetings have a
project to be reported in, a current one around today. Idempotent by web address."""

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..groups.models import WorkingGroup
from ..partners.models import Organisation
from .models import PartnerRole, Project, ProjectPartner, ProjectPhase


def _projects(today: date) -> list[dict]:
    return [
        {
            "slug": "migranten-integreren-2004",
            "title_nl": "Ontwikkeling en optimalisatie van gemeentelijke integratiemodellen voor "
            "migranten in Münster en Enschede",
            "title_de": "Entwicklung und Optimierung kommunaler Integrationsmodelle für "
            "Zuwanderer in Münster und Enschede",
            "title_en": "Developing and improving municipal integration models for migrants in "
            "Münster and Enschede",
            "programme": "INTERREG IIIA",
            "starts_on": date(2004, 1, 1),
            "ends_on": date(2005, 12, 31),
            "lead": "Stadt Münster",
            "partners": ["Gemeente Enschede"],
            "co_financiers": "Land Nordrhein-Westfalen\nStadt Münster\nGemeente Enschede\n"
            "Europese Unie (EFRO)",
            "acknowledgement_nl": "Het project wordt gerealiseerd in samenwerking met de EUREGIO "
            "en wordt gesubsidieerd door het Land NRW, de Stadt Münster, de Gemeente Enschede en "
            "door de Europese Unie uit het Europese Structuurfonds voor Regionale Ontwikkeling "
            "(EFRO) in het kader van het communautaire initiatief INTERREG-IIIA.",
            "acknowledgement_de": "Das Projekt wird in Zusammenarbeit mit der EUREGIO "
            "durchgeführt und vom Land NRW, der Stadt Münster, der Gemeente Enschede und von der "
            "Europäischen Union aus dem Europäischen Fonds für regionale Entwicklung (EFRE) im "
            "Rahmen der Gemeinschaftsinitiative INTERREG IIIA gefördert.",
            "groups": [],
            "phases": [],
        },
        {
            "slug": "migranten-integreren-2006",
            "title_nl": "Migranten integreren 2006",
            "title_de": "Zuwanderer integrieren 2006",
            "title_en": "Integrating migrants 2006",
            "programme": "INTERREG IIIA",
            "starts_on": date(2006, 1, 1),
            "ends_on": date(2006, 12, 31),
            "lead": "Stadt Münster",
            "partners": ["ROC van Twente"],
            "co_financiers": "Land Nordrhein-Westfalen\nProvincie Overijssel\nStadt Münster\n"
            "ROC van Twente\nEuropese Unie (EFRO)",
            "acknowledgement_nl": "Het project wordt uitgevoerd in samenwerking met de EUREGIO en "
            "gesubsidieerd door de deelstaat NRW, de Provincie Overijssel, de Stad Münster, het "
            "ROC van Twente en door de Europese Unie uit het Europese Fonds voor Regionale "
            "Ontwikkeling (EFRO) in het kader van het Communautaire Initiatief INTERREG-IIIA.",
            "acknowledgement_de": "Das Projekt wird in Zusammenarbeit mit der EUREGIO "
            "durchgeführt und vom Land NRW, der Provinz Overijssel, der Stadt Münster, dem ROC "
            "van Twente und von der Europäischen Union aus dem Europäischen Fonds für regionale "
            "Entwicklung (EFRE) im Rahmen der Gemeinschaftsinitiative INTERREG IIIA gefördert.",
            "groups": [],
            "phases": [],
        },
        {
            "slug": "integratievisie",
            "title_nl": "Ontwikkeling van een integratievisie in de gemeente Almelo en in de stad "
            "Münster (Integratievisie)",
            "title_de": "Entwicklung einer Integrationsvision in der Gemeinde Almelo und in der "
            "Stadt Münster (Integrationsvision)",
            "title_en": "Developing an integration vision in Almelo and Münster",
            "programme": "INTERREG IV A Deutschland-Nederland",
            "starts_on": date(2008, 9, 1),
            "ends_on": date(2011, 11, 30),
            "lead": "Stadt Münster",
            "partners": ["Gemeente Almelo"],
            "co_financiers": "Ministerium für Wirtschaft, Mittelstand und Energie des Landes "
            "Nordrhein-Westfalen\nProvincie Overijssel",
            "acknowledgement_nl": 'Het project "Ontwikkeling van een integratievisie en omzetting '
            'in de gemeenten Almelo en Münster" wordt in het kader van het INTERREG IV '
            "A-programma Deutschland-Nederland van de Europese Unie met middelen van het Europees "
            "Fonds voor Regionale Ontwikkeling (EFRO) financieel ondersteund. De nationale "
            "cofinanciering nemen het ministerie van Economische Zaken van de deelstaat "
            "Nordrhein-Westfalen en de provincie Overijssel voor hun rekening.",
            "acknowledgement_de": 'Das Projekt "Entwicklung einer Integrationsvision und '
            'Umsetzung in den Gemeinden Almelo und Münster" wird im Rahmen des INTERREG IV '
            "A-Programms Deutschland-Nederland der Europäischen Union mit Mitteln des Europäischen "
            "Fonds für regionale Entwicklung (EFRE) gefördert. Die nationale Kofinanzierung "
            "übernehmen das Wirtschaftsministerium des Landes Nordrhein-Westfalen und die Provinz "
            "Overijssel.",
            "groups": [],
            "phases": [
                ("Analyse en start", "Analyse und Start", date(2008, 9, 1), date(2009, 6, 30)),
                (
                    "Ontwikkeling van de integratievisie",
                    "Entwicklung der Integrationsvision",
                    date(2009, 7, 1),
                    date(2010, 9, 30),
                ),
                ("Implementatie", "Umsetzung", date(2010, 10, 1), date(2011, 11, 30)),
            ],
        },
        {
            # Fictional: the demo's own meetings (around today) need a running project.
            "slug": "netwerkbrug",
            "title_nl": "Netwerkbrug – grensoverschrijdend integratiebeleid",
            "title_de": "Netzwerkbrücke – grenzüberschreitende Integrationspolitik",
            "title_en": "Netwerkbrug – cross-border integration policy",
            "programme": "INTERREG VI A Deutschland-Nederland",
            "starts_on": date(today.year - 1, 1, 1),
            "ends_on": date(today.year + 1, 12, 31),
            "lead": "Stadt Münster",
            "partners": ["Gemeente Enschede", "Gemeente Almelo", "ROC van Twente"],
            "co_financiers": "Land Nordrhein-Westfalen\nProvincie Overijssel",
            "acknowledgement_nl": "Dit project wordt in het kader van het INTERREG VI "
            "A-programma Deutschland-Nederland medegefinancierd door de Europese Unie. "
            "(Demogegevens.)",
            "acknowledgement_de": "Dieses Projekt wird im Rahmen des INTERREG VI A-Programms "
            "Deutschland-Nederland von der Europäischen Union kofinanziert. (Demodaten.)",
            "groups": ["xenia-wohnen", "kerngroep", "bruggroep", "regiegroep"],
            "phases": [],
        },
    ]


def seed_projects(today: date | None = None) -> int:
    """Adds the projects that are missing; returns how many were added."""
    from .services import today as local_today

    today = today or local_today()
    existing = set(db.session.scalars(sa.select(Project.slug)))
    organisations = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    groups = {g.slug: g for g in db.session.scalars(sa.select(WorkingGroup))}
    added = 0
    for spec in _projects(today):
        if spec["slug"] in existing:
            continue
        partners = [(spec["lead"], PartnerRole.lead_partner)]
        partners += [(name, PartnerRole.partner) for name in spec["partners"]]
        project = Project(
            **{
                key: value
                for key, value in spec.items()
                if key not in {"lead", "partners", "groups", "phases"}
            },
            partners=[
                ProjectPartner(organisation=organisations[name], role=role)
                for name, role in partners
                if name in organisations
            ],
            groups=[groups[slug] for slug in spec["groups"] if slug in groups],
            phases=[
                ProjectPhase(name_nl=nl, name_de=de, starts_on=first, ends_on=last)
                for nl, de, first, last in spec["phases"]
            ],
        )
        db.session.add(project)
        added += 1
    db.session.flush()
    return added
