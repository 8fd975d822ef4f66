"""A second factor set up by scanning the QR code, signing in with a code, and ending
another signed-in device, as a person does it in the browser."""

import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

from .test_accounts import sign_in

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def scan_qr_code(locator) -> str:
    """What an authenticator app reads from the QR code on the screen."""
    image = Image.open(io.BytesIO(locator.screenshot()))
    [barcode] = zxingcpp.read_barcodes(image)
    return barcode.text


def test_second_factor_by_qr_code_and_ending_another_device(
    page, browser, base_url, assert_accessible
):
    make_user(email="ria@example.org", name="Ria Regisseur", locale="en", password=TEST_PASSWORD)
    db.session.commit()

    # Another device signs in first (a laptop with Firefox).
    laptop_context = browser.new_context(base_url=base_url, locale="en-GB", user_agent=FIREFOX)
    laptop = laptop_context.new_page()
    laptop.goto("/login?lang=en")
    sign_in(laptop, "ria@example.org")
    expect(laptop.get_by_role("status")).to_contain_text("Welcome, Ria Regisseur.")

    page.goto("/login?lang=en")
    sign_in(page, "ria@example.org")
    page.get_by_role("link", name="Ria Regisseur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    page.get_by_role("link", name="Set up a second factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    assert_accessible(page)
    for lang, heading in (("nl", "Tweede factor instellen"), ("de", "Zweiten Faktor einrichten")):
        page.goto(f"/profile/two-factor?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    page.goto("/profile/two-factor?lang=en")

    # The authenticator app scans the code: the otpauth:// address carries the secret.
    address = scan_qr_code(page.get_by_role("img", name=re.compile("QR code")))
    assert address.startswith("otpauth://totp/Netwerkbrug:ria%40example.org?")
    secret = parse_qs(urlsplit(address).query)["secret"][0]
    assert page.locator("#manual-key").inner_text().replace(" ", "") == secret
    totp = pyotp.TOTP(secret)

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Switch on the second factor").click()
    expect(page.get_by_text("This code is not correct.")).to_be_visible()
    assert_accessible(page)

    now = time.time()
    page.get_by_label("Code from the app").fill(totp.at(now))
    page.get_by_role("button", name="Switch on the second factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    assert_accessible(page)
    page.get_by_role("link", name="I have kept my codes").click()

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have been signed out.")

    # Signing in again asks for a code; the one used for enrolment would be a replay, so
    # the app's next code is entered (accepted within the allowed clock drift).
    page.goto("/login?lang=en")
    sign_in(page, "ria@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    assert_accessible(page)
    page.get_by_label("Code").fill(totp.at(now + 30))
    page.get_by_role("main").get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Ria Regisseur.")

    page.goto("/profile#devices")
    devices = page.get_by_role("table", name="Signed-in devices")
    expect(devices.get_by_role("row")).to_have_count(3)  # header, this browser, the laptop
    expect(devices.get_by_role("row").filter(has_text="This device")).to_contain_text(
        "HeadlessChrome"
    )
    laptop_row = devices.get_by_role("row").filter(has_text="Firefox / Windows")
    assert_accessible(page)
    laptop_row.get_by_role("button", name=re.compile(r"^End")).click()
    expect(page.get_by_role("status")).to_contain_text("That device has been signed out.")
    expect(devices.get_by_role("row")).to_have_count(2)

    # The laptop's session has ended.
    laptop.goto("/profile")
    expect(laptop).to_have_url(re.compile(r"/login"))
    laptop_context.close()

    for lang, heading in (("nl", "Tweede factor"), ("de", "Zweiter Faktor")):
        page.goto("/profile")
        page.locator(f'header button[name="lang"][value="{lang}"]').click()  # writes the setting
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_accessible(page)
        page.goto("/profile/two-factor")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
