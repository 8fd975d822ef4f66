"""The decision record's HTML export respects each round's visibility; a decision is never
edited, only superseded by a new proposal that refers to it (shown both ways)."""

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Proposal, Stance, Visibility
from app.extensions import db
from tests.factories import make_group, make_proposal, make_round

from .helpers import xenia
from .test_views import signed_in


def decided(w, visibility):
    proposal = make_proposal(w.group, w.moderator, title="Spreiding over de stad")
    round_ = make_round(proposal, w.moderator, visibility=visibility)
    services.record_position(round_, w.voters[0], Stance.agree_with_reservations, "Mits coach.")
    services.record_position(round_, w.voters[1], Stance.agree)
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    return proposal


@pytest.mark.parametrize(
    ("visibility", "member_sees", "moderator_sees"),
    [
        (Visibility.named, True, True),
        (Visibility.anonymous, False, True),
        (Visibility.secret, False, False),
    ],
)
def test_export_is_a_download_that_respects_visibility(
    app, visibility, member_sees, moderator_sees
):
    w = xenia(voters=3)
    proposal = decided(w, visibility)
    path = f"/consensus/proposals/{proposal.id}/decision/export"
    for person, sees in ((w.voters[2], member_sees), (w.moderator, moderator_sees)):
        response = signed_in(app, person).get(path)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="decision-{proposal.id}.html"'
        )
        html = response.get_data(as_text=True)
        assert "Mits coach." in html
        assert 'stylesheet" href="http://netwerkbrug.test/' in html
        assert (w.voters[0].name in html) is sees


def test_export_of_an_undecided_or_invisible_proposal_is_not_found(app, member_client):
    w = xenia(voters=2, is_public=False)
    open_proposal = make_proposal(w.group, w.moderator)
    decided_one = decided(w, Visibility.named)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    assert (
        moderator.get(f"/consensus/proposals/{open_proposal.id}/decision/export").status_code == 404
    )
    # Someone outside the private group does not learn that it exists.
    assert (
        member_client.get(f"/consensus/proposals/{decided_one.id}/decision/export").status_code
        == 404
    )


def test_new_proposal_supersedes_a_decision_and_both_link(app):
    w = xenia(voters=2)
    old = decided(w, Visibility.named)
    moderator = signed_in(app, w.moderator)
    form = moderator.get(f"/consensus/groups/{w.group.slug}?supersedes={old.id}").get_data(
        as_text=True
    )
    assert f'<option selected value="{old.id}">' in form or f'value="{old.id}" selected' in form
    response = moderator.post(
        f"/consensus/groups/{w.group.slug}",
        data={
            "title": "Spreiding, herzien",
            "text_nl": "Nieuwe tekst",
            "text_de": "Neuer Text",
            "supersedes": old.id,
        },
    )
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    new_page = moderator.get(f"/consensus/proposals/{new_id}").get_data(as_text=True)
    assert "Supersedes the decision:" in new_page
    assert f"/consensus/proposals/{old.id}/decision" in new_page
    record = moderator.get(f"/consensus/proposals/{old.id}/decision").get_data(as_text=True)
    assert "Superseded by a newer proposal:" in record
    assert "Spreiding, herzien" in record
    # The old decision itself stays as it was.
    assert old.is_decided and old.current_version.number == 1


def test_only_a_decision_of_the_same_group_can_be_superseded(app):
    w = xenia(voters=2)
    undecided = make_proposal(w.group, w.moderator)
    elsewhere = make_proposal(make_group(), w.moderator)
    db.session.commit()
    for target in (undecided, elsewhere):
        with pytest.raises(services.CannotSupersede):
            services.create_proposal(
                w.moderator, w.group, title="x", text_nl="a", text_de="b", supersedes=target
            )
    # Through the form an id that is not one of the group's decisions is not a valid choice.
    response = signed_in(app, w.moderator).post(
        f"/consensus/groups/{w.group.slug}",
        data={"title": "x", "text_nl": "a", "text_de": "b", "supersedes": undecided.id},
    )
    assert response.status_code == 400
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 2
