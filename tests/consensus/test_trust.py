"""What a round shows to whom, what it stores, and what its record tells: hidden,
anonymous and secret rounds checked against a table of who may see what; the position
history; the quorum floor; closing early with a reason; the live views' ETag."""

import email
import email.policy
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Position, PositionChange, Round, Stance, Visibility
from app.core.audit import AuditEntry
from app.core.database import utcnow
from app.extensions import db
from app.groups.models import Role
from app.mail.models import OutboxMessage
from tests.factories import make_membership, make_proposal, make_round, make_user

from .helpers import institutions, xenia
from .test_views import signed_in, url

OBJECTION = "Te duur voor kleine corporaties."
RESERVATION = "Alleen met een buurtcoach."


def _answered_world(visibility: Visibility, *, is_tally_hidden: bool = False):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(
        proposal, w.moderator, visibility=visibility, is_tally_hidden=is_tally_hidden
    )
    services.record_position(round_, w.voters[0], Stance.object, OBJECTION)
    services.record_position(round_, w.voters[1], Stance.agree_with_reservations, RESERVATION)
    services.record_position(round_, w.voters[2], Stance.agree)
    db.session.commit()
    return w, proposal, round_


def _refused_to_strangers(client, path: str) -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _viewers(app, w):
    admin = make_user(name="Petra Projektleitung", is_admin=True)
    db.session.commit()
    return {
        "moderator": signed_in(app, w.moderator),
        "manager": signed_in(app, admin),
        "member": signed_in(app, w.voters[2]),
        "anonymous": app.test_client(),
    }


# Who may see the objector's name next to their objection, per visibility. Someone who is
# not signed in sees nothing of a round: every page sends them to the sign-in page.
NAMES = {
    Visibility.named: {"moderator", "manager", "member"},
    Visibility.anonymous: {"moderator"},
    Visibility.secret: set(),
}


@pytest.mark.parametrize("visibility", list(Visibility))
def test_names_in_an_open_round_follow_the_table(app, visibility):
    w, proposal, round_ = _answered_world(visibility)
    objector = w.voters[0].name
    for role, client in _viewers(app, w).items():
        if role == "anonymous":
            assert _refused_to_strangers(client, url(proposal, round_, "tally.json"))
            assert _refused_to_strangers(client, url(proposal))
            continue
        may_see = role in NAMES[visibility]
        data = client.get(url(proposal, round_, "tally.json")).get_json()
        assert data["tally"]["object"] == 1, role
        assert data["objections"][0]["reason"] == OBJECTION
        assert (data["objections"][0].get("name") == objector) is may_see, (role, data)
        page = client.get(url(proposal)).get_data(as_text=True)
        assert OBJECTION in page
        assert (objector in page) is may_see, role
        if role in ("moderator", "manager"):
            # The room's view never names anyone, whoever opens it.
            room = client.get(url(proposal, round_, "projected")).get_data(as_text=True)
            assert 'data-tally="object">1<' in room
            assert objector not in room and OBJECTION not in room


@pytest.mark.parametrize("visibility", list(Visibility))
def test_names_in_the_record_and_its_export_follow_the_table(app, visibility):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, visibility=visibility)
    services.record_position(round_, w.voters[0], Stance.agree_with_reservations, RESERVATION)
    services.record_position(round_, w.voters[1], Stance.agree)
    services.close_round(w.moderator, round_, reason="Iedereen heeft geantwoord.")
    db.session.commit()
    reserving = w.voters[0].name
    for role, client in _viewers(app, w).items():
        may_see = role in NAMES[visibility]
        for path in ("decision", "decision/export"):
            if role == "anonymous":
                assert _refused_to_strangers(client, f"/consensus/proposals/{proposal.id}/{path}")
                continue
            page = client.get(f"/consensus/proposals/{proposal.id}/{path}").get_data(as_text=True)
            assert RESERVATION in page, (role, path)
            assert (reserving in page) is may_see, (role, path)


def test_a_hidden_tally_shows_only_how_many_answered(app):
    w, proposal, round_ = _answered_world(Visibility.named, is_tally_hidden=True)
    viewers = _viewers(app, w)
    for role, client in viewers.items():
        if role == "anonymous":
            assert _refused_to_strangers(client, url(proposal, round_, "tally.json"))
            assert _refused_to_strangers(client, url(proposal, round_, "projected"))
            continue
        data = client.get(url(proposal, round_, "tally.json")).get_json()
        assert data["answered"] == 3 and data["eligible"] == 3
        # The manager sees what a member sees: they do not moderate this group.
        assert ("tally" in data) is (role == "moderator"), role
        assert ("objections" in data) is (role == "moderator"), role
    for role in ("moderator", "manager"):
        page = viewers[role].get(url(proposal, round_, "projected")).get_data(as_text=True)
        assert 'data-tally="object"' not in page
        assert OBJECTION not in page and w.voters[0].name not in page
        assert "3 of 3 voting members have answered." in page
        assert "Open until" in page
    assert viewers["member"].get(url(proposal, round_, "projected")).status_code == 403


def test_the_projected_view_counts_organisations_per_institution(app):
    w = institutions(3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, is_tally_hidden=True)
    services.record_position(round_, w.deputies[0], Stance.object, OBJECTION)
    db.session.commit()
    page = signed_in(app, w.moderator).get(url(proposal, round_, "projected"))
    text = page.get_data(as_text=True)
    assert "1 of 3 organisations have answered." in text
    assert "voting members" not in text
    assert 'data-tally="object"' not in text


def test_outcome_mails_name_nobody_and_hold_only_the_tally(app):
    w, proposal, round_ = _answered_world(Visibility.anonymous)
    services.close_round(w.moderator, round_, reason="Genoeg gehoord.")
    db.session.commit()
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.category == "consensus.outcome")
    ).all()
    assert len(mails) == 3
    for mail in mails:
        message = email.message_from_bytes(bytes(mail.raw), policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()
        addressee = next(v for v in w.voters if v.email == mail.recipient)
        assert f"Hello {addressee.name}" in body
        # Names nobody else, and no reasons: the counts only.
        assert [v for v in w.voters if v.name in body] == [addressee]
        assert OBJECTION not in body and RESERVATION not in body
        assert "- Object: 1" in body


def test_a_secret_round_stores_no_link_between_a_person_and_a_stance(app):
    w, proposal, round_ = _answered_world(Visibility.secret)
    round_id = round_.id
    # Read the rows as they are stored, without the models.
    with db.engine.connect() as conn:
        positions = conn.execute(
            sa.text(
                "SELECT membership_id, answered_by_id, stance, reason "
                "FROM consensus_positions WHERE round_id = :r"
            ),
            {"r": round_id},
        ).all()
        changes = conn.execute(
            sa.text("SELECT count(*) FROM consensus_position_changes WHERE round_id = :r"),
            {"r": round_id},
        ).scalar()
        ballots = conn.execute(
            sa.text("SELECT secret_ballots FROM consensus_rounds WHERE id = :r"), {"r": round_id}
        ).scalar()
        audit = (
            conn.execute(
                sa.text(
                    "SELECT details FROM audit_entries WHERE action = 'consensus.record_position'"
                )
            )
            .scalars()
            .all()
        )
    assert len(positions) == 3
    assert {(stance, reason) for _m, _u, stance, reason in positions} == {(None, "")}
    assert changes == 0
    ballots = json.loads(ballots) if isinstance(ballots, str) else ballots
    # Sorted by stance and reason: neither the order of answering nor a time is kept.
    assert ballots == sorted(
        [["object", OBJECTION], ["agree_with_reservations", RESERVATION], ["agree", ""]]
    )
    for details in audit:
        details = json.loads(details) if isinstance(details, str) else details
        assert "stance" not in details and OBJECTION not in json.dumps(details)
    # Counting still works, and a second answer is refused: it could not be found again.
    assert services.round_view(round_, w.moderator).tally.counts[Stance.object] == 1
    with pytest.raises(services.SecretPositionFinal):
        services.record_position(round_, w.voters[0], Stance.agree)
    db.session.rollback()
    services.close_round(w.moderator, db.session.get(Round, round_id), reason="Klaar.")
    db.session.commit()
    assert db.session.get(Round, round_id).tally["object"] == 1


def test_a_secret_round_tells_the_member_their_answer_counted_but_not_what_it_was(app):
    w, proposal, round_ = _answered_world(Visibility.secret)
    page = signed_in(app, w.voters[0]).get(url(proposal)).get_data(as_text=True)
    assert "stored without your name" in page
    assert 'name="stance"' not in page
    # Through the pages: a first answer is recorded without a name, a second is refused.
    newcomer = make_user(name="Nieuw Lid")
    make_membership(w.group, newcomer, role=Role.member)
    db.session.commit()
    client = signed_in(app, newcomer)
    first = client.post(url(proposal, round_, "position"), data={"stance": "agree"})
    assert first.status_code == 302
    assert "recorded, without your name" in client.get(url(proposal)).get_data(as_text=True)
    again = client.post(url(proposal, round_, "position"), data={"stance": "object", "reason": "x"})
    assert again.status_code == 409
    assert "a position cannot be changed" in again.get_data(as_text=True)
    db.session.expire_all()
    assert ["agree", ""] in db.session.get(Round, round_.id).secret_ballots


# --- the position history --------------------------------------------------------------


def _three_changes(visibility: Visibility):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    now = utcnow()
    round_ = make_round(proposal, w.moderator, visibility=visibility, now=now)
    answers = [
        (Stance.object, "Eerst niet."),
        (Stance.agree_with_reservations, "Nu met voorbehoud."),
        (Stance.stand_aside, "Ik sta opzij."),
        (Stance.agree, ""),
    ]
    for minutes, (stance, reason) in enumerate(answers, start=1):
        services.record_position(
            round_, w.voters[0], stance, reason, now=now + timedelta(minutes=minutes)
        )
    services.record_position(round_, w.voters[1], Stance.agree, now=now + timedelta(minutes=9))
    db.session.commit()
    return w, proposal, round_


def _in_order(page: str, *texts: str) -> bool:
    positions = [page.find(t) for t in texts]
    return -1 not in positions and positions == sorted(positions)


def test_three_changes_appear_in_order_for_the_moderator(app):
    w, proposal, round_ = _three_changes(Visibility.anonymous)
    page = signed_in(app, w.moderator).get(url(proposal, round_, "dashboard"))
    text = page.get_data(as_text=True)
    assert "3 changes of position" in text
    assert _in_order(text, w.voters[0].name, "Eerst niet.", "Nu met voorbehoud.", "Ik sta opzij.")
    history = db.session.scalars(
        sa.select(PositionChange).where(PositionChange.round_id == round_.id)
    ).all()
    assert [c.stance for c in history if c.answered_by_id == w.voters[0].id] == [
        Stance.object,
        Stance.agree_with_reservations,
        Stance.stand_aside,
        Stance.agree,
    ]
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.actor_id == w.voters[0].id)
    ).all()
    assert actions.count("consensus.record_position") == 4


def test_members_see_the_history_anonymised(app):
    w, proposal, round_ = _three_changes(Visibility.anonymous)
    text = signed_in(app, w.voters[2]).get(url(proposal)).get_data(as_text=True)
    assert _in_order(text, "Participant 1", "Eerst niet.", "Nu met voorbehoud.", "Ik sta opzij.")
    assert w.voters[0].name not in text
    data = signed_in(app, w.voters[2]).get(url(proposal, round_, "tally.json")).get_json()
    assert data["changes"] == 3
    assert data["history"][0]["who"] == "Participant 1"
    assert [a["stance"] for a in data["history"][0]["answers"]] == [
        "object",
        "agree_with_reservations",
        "stand_aside",
        "agree",
    ]


def test_the_record_counts_the_changes(app):
    w, proposal, round_ = _three_changes(Visibility.named)
    services.record_position(round_, w.voters[2], Stance.agree)
    services.close_round(w.moderator, round_, reason="Iedereen is het eens.")
    db.session.commit()
    record = signed_in(app, w.voters[2]).get(f"/consensus/proposals/{proposal.id}/decision")
    text = record.get_data(as_text=True)
    assert 'data-changes="3"' in text and "3 changes of position during the round." in text
    assert _in_order(text, w.voters[0].name, "Eerst niet.", "Ik sta opzij.")


# --- quorum and closing ------------------------------------------------------------------


def test_the_quorum_cannot_go_below_the_groups_floor(app):
    w = xenia(voters=7)
    proposal = make_proposal(w.group, w.moderator)
    closes_at = utcnow() + timedelta(days=2)
    with pytest.raises(services.InvalidRound, match="between 4 and 7"):
        services.open_round(w.moderator, proposal, closes_at=closes_at, quorum=1)
    w.group.quorum_floor = 2
    round_ = services.open_round(w.moderator, proposal, closes_at=closes_at, quorum=2)
    assert round_.quorum == 2


def test_the_form_explains_the_floor_and_refuses_a_lower_quorum(app):
    w = xenia(voters=7)
    proposal = make_proposal(w.group, w.moderator)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    moderator.post("/language", data={"lang": "nl", "next": "/"})  # the header switcher
    page = moderator.get(url(proposal)).get_data(as_text=True)
    assert "Tussen 4" in page
    closes = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = moderator.post(
        url(proposal) + "/rounds",
        data={"closes_at": closes, "quorum": 1, "visibility": "named"},
    )
    assert response.status_code == 400
    assert "tussen 4 en 7" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_closing_early_asks_for_confirmation_and_a_reason_without_javascript(app):
    w = xenia(voters=7)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, quorum=4)
    for person in w.voters[:4]:
        services.record_position(round_, person, Stance.agree)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    dashboard = moderator.get(url(proposal, round_, "dashboard")).get_data(as_text=True)
    # The dashboard's button is a link to the confirmation page, not the close itself.
    assert f'href="{url(proposal, round_, "close")}"' in dashboard
    confirm = moderator.get(url(proposal, round_, "close")).get_data(as_text=True)
    assert "Closing cannot be undone" in confirm and 'name="reason"' in confirm
    assert "4 of 7 voting members have answered." in confirm
    refused = moderator.post(url(proposal, round_, "close"), data={"reason": ""})
    assert refused.status_code == 400
    assert "Please say why the round closes before its closing time." in refused.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Round, round_.id).closed_at is None
    done = moderator.post(url(proposal, round_, "close"), data={"reason": "Alle partijen zijn er."})
    assert done.status_code == 302
    record = moderator.get(f"/consensus/proposals/{proposal.id}/decision").get_data(as_text=True)
    assert f"Closed early by {w.moderator.name}: Alle partijen zijn er." in record


def test_consensus_below_the_default_quorum_is_marked_in_the_record(app):
    w = xenia(voters=7)
    w.group.quorum_floor = 2
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, quorum=2)
    for person in w.voters[:2]:
        services.record_position(round_, person, Stance.agree)
    services.close_round(w.moderator, round_, reason="Snel beslist.")
    db.session.commit()
    record = signed_in(app, w.voters[3]).get(f"/consensus/proposals/{proposal.id}/decision")
    assert "fewer answers than the default quorum (5 of 7)" in record.get_data(as_text=True)


def test_the_worker_closes_without_a_reason(app):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator)
    services.close_due_rounds(now=round_.closes_at + timedelta(minutes=1))
    assert round_.is_closed and round_.closed_early_reason == ""


# --- live views --------------------------------------------------------------------------


def test_tally_json_answers_304_until_a_position_a_reminder_or_the_close(app):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    path = url(proposal, round_, "tally.json")

    def etag_after(change) -> str:
        first = moderator.get(path)
        etag = first.headers["ETag"]
        assert moderator.get(path, headers={"If-None-Match": etag}).status_code == 304
        change()
        db.session.commit()
        again = moderator.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 200, again.status_code
        return again.headers["ETag"]

    def reload():
        return db.session.get(Round, round_.id)

    etag_after(lambda: services.record_position(reload(), w.voters[0], Stance.agree))
    etag_after(lambda: services.remind_non_responders(w.moderator, reload()))
    etag_after(lambda: services.close_round(w.moderator, reload(), reason="Klaar."))


def test_a_late_position_gets_409_in_the_members_language_and_is_stored_nowhere(app):
    w = xenia(voters=3)
    w.voters[0].locale = "de"
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator)
    db.session.commit()
    member = signed_in(app, w.voters[0])
    services.close_round(w.moderator, round_, reason="Klaar.")
    db.session.commit()
    response = member.post(url(proposal, round_, "position"), data={"stance": "agree"})
    assert response.status_code == 409
    assert "Diese Runde ist beendet" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(PositionChange.id))) == 0


def test_german_members_get_the_german_title_in_mails_and_pages(app):
    w = xenia(voters=2)
    w.voters[0].locale = "de"
    w.voters[1].locale = "nl"
    proposal = services.create_proposal(
        w.moderator,
        w.group,
        title="Huisvesting van nieuwkomers",
        title_de="Wohnen für Neuzugewanderte",
        text_nl="Tekst",
        text_de="Text",
        binding_language="nl",
    )
    make_round(proposal, w.moderator)
    db.session.commit()
    subjects = {
        m.recipient: email.message_from_bytes(bytes(m.raw), policy=email.policy.default)["Subject"]
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.category == "consensus.round_opened")
        )
    }
    assert "Wohnen für Neuzugewanderte" in subjects[w.voters[0].email]
    assert "Huisvesting van nieuwkomers" in subjects[w.voters[1].email]
    page = signed_in(app, w.voters[0]).get(url(proposal)).get_data(as_text=True)
    assert "<h1>Wohnen für Neuzugewanderte</h1>" in page
    # Both titles are shown, the binding one marked.
    assert 'NL: Huisvesting van nieuwkomers</span> <span class="badge' in page
