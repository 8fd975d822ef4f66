"""Simultaneous requests on PostgreSQL (deselected on SQLite, see conftest.py): each
thread works in its own app context, so with its own session and connection."""

import threading
from collections import Counter

import sqlalchemy as sa

from app.auth.models import User
from app.consensus import services
from app.consensus.models import Position, PositionChange, Round, Stance
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.factories import make_proposal, make_round

from .helpers import xenia
from .test_views import signed_in, url


def run_at_once(app, count: int, work) -> list:
    """Runs work(index) in `count` threads released together; returns each result (or the
    exception it raised)."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count

    def target(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[index] = work(index)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported to the test)
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def open_world(voters: int):
    w = xenia(voters=voters)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator)
    db.session.commit()
    return w, proposal, round_


def positions_per_member(round_id: int) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(sa.select(Position.membership_id).where(Position.round_id == round_id))
    )


def test_200_members_answer_at_once(app):
    w, proposal, round_ = open_world(200)
    round_id, user_ids = round_.id, [p.id for p in w.voters]

    def answer(index: int):
        person = db.session.get(User, user_ids[index])
        stance = Stance.object if index == 7 else Stance.agree
        return services.record_position(db.session.get(Round, round_id), person, stance, "Nee.")

    results = run_at_once(app, 200, answer)
    assert [r for r in results if isinstance(r, Exception)] == []
    counts = positions_per_member(round_id)
    assert len(counts) == 200
    assert set(counts.values()) == {1}


def test_same_member_twice_at_once_gets_one_position_and_no_500(app):
    w, proposal, round_ = open_world(2)
    clients = [signed_in(app, w.voters[0]) for _ in range(8)]
    stances = ["agree", "stand_aside"] * 4
    path = url(proposal, round_, "position")

    results = run_at_once(
        app,
        8,
        lambda i: clients[i].post(path, data={"stance": stances[i]}).status_code,
    )
    assert results == [302] * 8
    counts = positions_per_member(round_.id)
    assert list(counts.values()) == [1]
    position = db.session.scalar(sa.select(Position).where(Position.round_id == round_.id))
    assert position.stance.value in stances


def test_same_member_twice_through_the_service(app):
    w, proposal, round_ = open_world(2)
    round_id, user_id = round_.id, w.voters[0].id

    def answer(index: int):
        person = db.session.get(User, user_id)
        return services.record_position(db.session.get(Round, round_id), person, Stance.agree)

    results = run_at_once(app, 10, answer)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert list(positions_per_member(round_id).values()) == [1]


def test_two_moderators_closing_at_once_produce_one_outcome(app, admin):
    w, proposal, round_ = open_world(3)
    for person in w.voters:
        services.record_position(round_, person, Stance.agree)
    db.session.commit()
    round_id, closers = round_.id, [w.moderator.id, admin.id]

    def close(index: int):
        actor = db.session.get(User, closers[index % 2])
        return services.close_round(
            actor, db.session.get(Round, round_id), reason="Agreed in the meeting."
        )

    results = run_at_once(app, 6, close)
    outcomes = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, services.RoundClosed)]
    assert len(outcomes) == 1 and len(refused) == 5, results
    outcome_mails = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.category == "consensus.outcome"
    )
    assert db.session.scalar(outcome_mails) == 3  # one per voting member, once


def test_two_moderators_closing_through_the_pages(app, admin):
    w, proposal, round_ = open_world(2)
    clients = [signed_in(app, w.moderator), signed_in(app, admin)]
    path = url(proposal, round_, "close")
    results = run_at_once(
        app,
        2,
        lambda i: clients[i].post(path, data={"reason": "Agreed in the meeting."}).status_code,
    )
    assert sorted(results) == [302, 409]
    db.session.expire_all()
    assert db.session.get(Round, round_.id).outcome is not None


def test_representative_and_deputy_at_once_give_one_position(app):
    from .helpers import institutions

    w = institutions(1)
    round_ = make_round(make_proposal(w.group, w.moderator), w.moderator)
    db.session.commit()
    round_id = round_.id
    people = [w.representatives[0].id, w.deputies[0].id] * 4

    def answer(index: int):
        person = db.session.get(User, people[index])
        return services.record_position(db.session.get(Round, round_id), person, Stance.agree)

    results = run_at_once(app, 8, answer)
    assert [r for r in results if isinstance(r, Exception)] == []
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Position).where(Position.round_id == round_id)).all()
    assert len(rows) == 1 and rows[0].organisation_id == w.organisations[0].id


def _answer_while_closing(app, voters: int) -> None:
    """`voters` members post their position while the moderator confirms the close, all
    released at once through the HTTP layer; then checks that nothing was lost."""
    w, proposal, round_ = open_world(voters)
    for i, person in enumerate(w.voters):
        person.locale = "de" if i % 2 else "nl"
    db.session.commit()
    round_id = round_.id
    clients = [signed_in(app, person) for person in w.voters]
    clients.append(signed_in(app, w.moderator))
    position_path = url(proposal, round_, "position")
    close_path = url(proposal, round_, "close")

    def act(index: int):
        if index == voters:
            response = clients[index].post(close_path, data={"reason": "Agreed in the meeting."})
        else:
            response = clients[index].post(position_path, data={"stance": "agree"})
        return response.status_code, response.get_data(as_text=True)

    results = run_at_once(app, voters + 1, act)
    *answers, (close_status, _) = results
    assert close_status == 302, results[-1]
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {302, 409}, statuses
    recorded = {w.memberships[i].id for i, (status, _) in enumerate(answers) if status == 302}
    db.session.expire_all()
    round_ = db.session.get(Round, round_id)
    stored = set(
        db.session.scalars(sa.select(Position.membership_id).where(Position.round_id == round_id))
    )
    # Everyone who was told "recorded" is in the tally; nobody else is stored anywhere.
    assert stored == recorded
    assert sum(round_.tally.values()) == len(recorded) == round_.tally.get("agree", 0)
    changes = sa.select(sa.func.count(PositionChange.id)).where(PositionChange.round_id == round_id)
    assert db.session.scalar(changes) == len(recorded)
    # Those who came too late were told so in their own language.
    for i, (status, body) in enumerate(answers):
        if status == 409:
            expected = (
                "Diese Runde ist beendet"
                if w.voters[i].locale == "de"
                else "Deze ronde is gesloten"
            )
            assert expected in body
    # The decision record shows exactly the stored positions.
    if round_.outcome is not None and proposal.is_decided:
        record = clients[-1].get(f"/consensus/proposals/{proposal.id}/decision")
        assert f'data-tally="answered">{len(recorded)}<' in record.get_data(as_text=True)


def test_200_members_answer_while_the_moderator_closes(app, monkeypatch):
    # 201 people sign in from one address here: lift the login limit for this test.
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "100000/minute")
    for _ in range(5):
        _answer_while_closing(app, 200)
