"""The search service on the database under test (SQLite FTS5 or PostgreSQL full text)."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups.models import Role
from app.search.index import rebuild
from app.search.models import SearchEntry
from app.search.services import search
from tests.factories import make_group, make_membership, make_user

from .content import EVERY_KIND, GROUP_KINDS, docx_bytes, group_document, odt_bytes, shown_kind

TEXT = "Begegnungsstätte: Wohnungen für Zuwanderer; huisvesting van nieuwkomers"


def found(query, viewer, kind=None):
    results = search(query, viewer, kind=kind)
    return results, {(hit.entry.source, hit.entry.ref_id) for hit in results.hits}


def key_of(obj):
    return (obj.__table__.name, obj.id)


@pytest.fixture
def admin():
    return make_user(is_admin=True)


@pytest.mark.parametrize("name", list(EVERY_KIND))
@pytest.mark.parametrize(
    "query",
    [
        "Wohnungen",  # the word as written
        "wohnung",  # another form of it (German)
        "huis",  # the start of a Dutch compound: huisvesting
        "begegnungsstatte",  # without the diacritics
        "BEGEGNUNGSSTÄTTE",  # with them, upper case
        "wohnungen zuwanderer",  # two words
    ],
)
def test_every_kind_is_found_by_a_word_in_its_body(name, query, admin):
    thing = EVERY_KIND[name](TEXT)
    db.session.commit()
    results, keys = found(query, admin)
    assert key_of(thing) in keys
    hit = next(h for h in results.hits if (h.entry.source, h.entry.ref_id) == key_of(thing))
    assert hit.entry.kind == shown_kind(name)
    assert "<mark>" in hit.snippet


def test_a_word_only_inside_a_pdf_or_docx_or_odt_is_found(admin):
    pdf = group_document("Das Quartiersmanagement in Kinderhaus")
    docx = group_document("Quartiersmanagement Berg Fidel", filename="b.docx", maker=docx_bytes)
    odt = group_document("Quartiersmanagement Coerde", filename="c.odt", maker=odt_bytes)
    db.session.commit()
    _results, keys = found("quartiersmanagement", admin)
    assert keys == {key_of(pdf), key_of(docx), key_of(odt)}
    _results, keys = found("kinderhaus", admin)
    assert keys == {key_of(pdf)}


def test_words_that_occur_nowhere_find_nothing(admin):
    EVERY_KIND["meeting"](TEXT)
    db.session.commit()
    results, keys = found("Wohnungen Fahrradständer", admin)
    assert keys == set()
    assert results.total == 0


@pytest.mark.parametrize("name", GROUP_KINDS)
def test_private_group_content_reaches_nobody_outside_not_even_as_a_count(name):
    group_a = make_group()
    group_b = make_group(is_public=False)
    outsider = make_membership(group_a, role=Role.member).user
    insider = make_membership(group_b, role=Role.member).user
    thing = EVERY_KIND[name](TEXT, group_b)
    db.session.commit()

    results, keys = found("begegnungsstatte", outsider)
    assert keys == set()
    assert results.total == 0 and results.counts == {}
    anonymous, _keys = found("begegnungsstatte", None)
    assert anonymous.total == 0

    results, keys = found("begegnungsstatte", insider)
    assert key_of(thing) in keys
    assert results.counts.get(shown_kind(name), 0) >= 1


def test_a_former_member_no_longer_finds_the_private_group():
    from datetime import date

    group_b = make_group(is_public=False)
    former = make_membership(group_b, role=Role.member, left_on=date(2026, 2, 1)).user
    EVERY_KIND["meeting"](TEXT, group_b)
    db.session.commit()
    assert search("wohnungen", former).total == 0


def test_an_invitee_finds_the_private_groups_meeting_they_are_invited_to():
    from app.meetings.models import Invitation

    group_b = make_group(is_public=False)
    guest = make_user()
    meeting = EVERY_KIND["meeting"](TEXT, group_b)
    db.session.add(Invitation(meeting=meeting, user=guest))
    db.session.commit()
    assert {(h.entry.source, h.entry.ref_id) for h in search("wohnungen", guest).hits} == {
        key_of(meeting)
    }


@pytest.mark.parametrize(
    ("name", "anonymous_sees"),
    [
        ("organisation", True),
        ("visit", True),
        ("point", True),
        ("edition", True),
        ("group", True),
        ("document", True),
        ("person", False),
        ("meeting", False),
        ("proposal", False),
        ("decision", False),
        ("meeting_document", False),
    ],
)
def test_what_an_anonymous_visitor_finds(name, anonymous_sees):
    thing = EVERY_KIND[name](TEXT)
    db.session.commit()
    _results, keys = found("wohnungen", None)
    assert (key_of(thing) in keys) is anonymous_sees
    _results, keys = found("wohnungen", make_user())
    assert key_of(thing) in keys


def test_people_show_only_what_they_chose(admin):
    person = EVERY_KIND["person"]("Beraterin")
    person.email = "verborgen@example.org"
    person.phone = "+31 53 1234567"
    db.session.commit()
    assert search("verborgen", admin).total == 0
    person.is_email_public = True
    db.session.commit()
    assert search("verborgen", admin).total == 1


def test_draft_editions_and_inactive_organisations_are_not_found(admin):
    from app.newsletter.models import EditionStatus

    edition = EVERY_KIND["edition"](TEXT)
    organisation = EVERY_KIND["organisation"](TEXT)
    edition.status = EditionStatus.draft
    organisation.is_active = False
    db.session.commit()
    assert search("wohnungen", admin).total == 0


def test_the_index_follows_edits_and_deletions(admin):
    meeting = EVERY_KIND["meeting"](TEXT)
    db.session.commit()
    meeting.description_de = "Jetzt geht es um Sprachkurse."
    db.session.commit()
    assert search("wohnungen", admin).total == 0
    assert search("sprachkurs", admin).total == 1

    from app.meetings.models import AgendaItem

    db.session.add(AgendaItem(meeting=meeting, title="Nachbarschaftshilfe", position=1))
    db.session.commit()
    assert search("nachbarschaftshilfe", admin).total == 1

    db.session.delete(meeting)
    db.session.commit()
    assert search("sprachkurs", admin).total == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(SearchEntry.source == "meetings")) == 0
    )


def test_minutes_are_found_once_approved(admin):
    from app.meetings.models import MinutesStatus

    meeting = EVERY_KIND["meeting"]("Kurz")
    meeting.minutes = "Wir besprachen die Wohnungsvergabe."
    db.session.commit()
    assert search("wohnungsvergabe", admin).total == 0
    meeting.minutes_status = MinutesStatus.approved
    db.session.commit()
    assert search("wohnungsvergabe", admin).total == 1


def test_reindex_gives_the_same_results(admin, runner):
    for build in EVERY_KIND.values():
        build(TEXT)
    db.session.commit()
    before = found("wohnungen", admin)[1]
    assert len(before) == len(EVERY_KIND)

    count = sa.select(sa.func.count()).select_from(SearchEntry)
    entries = db.session.scalar(count)
    db.session.execute(sa.delete(SearchEntry))
    db.session.commit()
    assert search("wohnungen", admin).total == 0

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"Indexed {entries} entries" in result.output
    db.session.expire_all()
    assert found("wohnungen", admin)[1] == before
    assert rebuild() == entries


def test_filter_by_type_and_pages(admin):
    for _ in range(3):
        EVERY_KIND["visit"](TEXT)
    EVERY_KIND["organisation"](TEXT)
    db.session.commit()
    results = search("wohnungen", admin, kind="visit", per_page=2)
    assert results.counts == {"visit": 3, "organisation": 1}
    assert results.total == 3 and results.pages == 2
    assert {h.entry.kind for h in results.hits} == {"visit"}
    second = search("wohnungen", admin, kind="visit", per_page=2, page=2)
    assert len(second.hits) == 1


def test_search_uses_two_queries_whatever_the_data(admin):
    for build in EVERY_KIND.values():
        for _ in range(3):
            build(TEXT)
    viewer = make_user()
    db.session.commit()
    viewer_id = viewer.id
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        results = search("wohnungen zuwanderer", viewer)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert results.total > 0
    assert viewer.id == viewer_id
    assert len(statements) <= 3  # counts per type, one page (and the viewer, if expired)


def test_query_syntax_is_only_words(admin):
    EVERY_KIND["visit"](TEXT)
    db.session.commit()
    nasty = ['"', "wohnungen)", "NOT", "wohnungen OR", "*", "a:* & !b", "ü", "__", "a__b"]
    for query in [*nasty, "x_", "١٢٣", "日本語", "ß", "ǅ", "½", "NEAR", "AND OR", "²²"]:
        search(query, admin)  # never a database error
    assert search('"wohnungen"', admin).total == 1
    assert search("(wohnungen*)", admin).total == 1


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [("de", "tagte in Münster", "kwam bijeen"), ("nl", "kwam bijeen", "tagte in Münster")],
)
def test_snippets_come_from_the_readers_language_without_markdown(admin, lang, shown, hidden):
    from app.newsletter.models import EditionStatus
    from tests.factories import make_edition

    make_edition(status=EditionStatus.sent)  # "Het **Xenia**-overleg …" in each language
    db.session.commit()
    results = search("xenia", admin, lang=lang)
    assert results.total == 1
    snippet = str(results.hits[0].snippet)
    assert shown in snippet and hidden not in snippet
    assert "**" not in snippet


def test_a_typo_in_a_title_still_finds_it_on_postgresql(admin):
    """pg_trgm word similarity on titles; SQLite's FTS5 matches words and prefixes only."""
    from tests.factories import make_group

    group = make_group(name_nl="Wohnungsvergabe an Zuwanderer")
    db.session.commit()
    keys = found("wohnungsvergbae", admin)[1]
    if db.engine.dialect.name == "postgresql":
        assert ("working_groups", group.id) in keys
    else:
        assert keys == set()


def test_a_proposal_is_found_by_and_shown_with_its_german_title(admin):
    from tests.factories import make_proposal

    proposal = make_proposal(make_group(), title="Huisvesting van nieuwkomers")
    proposal.title_de = "Wohnraum für Zuwanderer"
    db.session.commit()
    results = search("wohnraum", admin, lang="de")
    assert results.total == 1
    assert results.hits[0].entry.title_in("de") == "Wohnraum für Zuwanderer"
    assert results.hits[0].entry.title_in("nl") == "Huisvesting van nieuwkomers"
