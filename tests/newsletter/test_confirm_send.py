"""Sending an edition to everyone asks first, stating how many confirmed subscribers in
how many languages receive it; the page works without JavaScript."""

from app.extensions import db
from app.newsletter.models import Edition, EditionStatus, Subscriber, SubscriberStatus
from tests.factories import make_edition


def _subscribers(counts: dict[str, int]) -> None:
    n = 0
    for language, count in counts.items():
        for _ in range(count):
            n += 1
            db.session.add(
                Subscriber(
                    email=f"reader{n}@example.org",
                    language=language,
                    status=SubscriberStatus.confirmed,
                )
            )


def test_send_to_all_states_the_count_and_languages_before_sending(admin_client):
    edition = make_edition()
    _subscribers({"nl": 1200, "de": 1100, "en": 14})
    db.session.commit()
    preview = admin_client.get(f"/newsletter/admin/editions/{edition.id}/preview")
    assert f'href="/newsletter/admin/editions/{edition.id}/send"' in preview.get_data(as_text=True)
    admin_client.post("/language", data={"lang": "en", "next": "/"})  # the header switcher
    page = admin_client.get(f"/newsletter/admin/editions/{edition.id}/send")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "to 2,314 confirmed subscribers in 3 languages" in text
    assert db.session.get(Edition, edition.id).status == EditionStatus.draft
    admin_client.post("/language", data={"lang": "nl", "next": "/"})
    text = admin_client.get(f"/newsletter/admin/editions/{edition.id}/send").get_data(as_text=True)
    assert "2.314" in text
    # The page's button posts to the send itself (covered in test_editions.py).
    assert f'action="/newsletter/admin/editions/{edition.id}/send"' in text
