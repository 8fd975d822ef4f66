"""Screenshots of the main pages for a human look, not a test (pytest does not collect it).

    .venv/bin/python -m tests.e2e.screenshots [OUTPUT_DIR]     (default /tmp/screens)

Starts the app on a free loopback port against a temporary SQLite database filled with the
demo data and photographs every page in nl, de and en, at desktop (1280) and phone (375)
width, as `<lang>-<width>-<page>.png`. Compile the catalogues first (`make i18n-compile`)
to see the translations."""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from app import create_app
from app.demo.seed import DEMO_PASSWORD, seed_demo
from app.extensions import db

from .support import CHROMIUM, CHROMIUM_ARGS, serve

ADMIN = "projectleider@example.org"
WIDTHS = {"desktop": 1280, "phone": 375}
LANGUAGES = ("nl", "de", "en")
ANONYMOUS_PAGES = {"home": "/", "login": "/login"}
SIGNED_IN_PAGES = {
    "home-signed-in": "/",
    "profile": "/profile",
    "admin-users": "/admin/users",
    "invite": "/admin/users/invite",
    "partners": "/partners/",
    "groups": "/groups/",
    "meetings": "/meetings/",
    "coaching-days": "/meetings/coaching-days",
    "consensus": "/consensus/",
    "visits": "/visits/",
    "visit": "/visits/1",
    "visits-learning": "/visits/learning",
    "indicators": "/reports/indicators",
    "handbook": "/reports/handbook",
    "audit": "/reports/audit",
    "404": "/no-such-page",
}


def make_demo_app(workdir: Path):
    app = create_app(
        {
            "SECRET_KEY": "screenshots-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.db'}",
            "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
            "SMTP_HOST": None,
            # limits stay on (sign-in counts failures in the limiter's storage); the few
            # sign-ins here stay far below them
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    return app


def shoot(page, out: Path, name: str, path: str) -> None:
    page.goto(path)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)


def sign_in(page, email: str, password: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def take_all(base_url: str, out: Path) -> int:
    count = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for lang in LANGUAGES:
            for label, width in WIDTHS.items():
                context = browser.new_context(
                    base_url=base_url, viewport={"width": width, "height": 800}, locale=lang
                )
                page = context.new_page()
                prefix = f"{lang}-{label}"
                page.goto(f"/?lang={lang}")  # the cookie keeps the language from here on
                for name, path in ANONYMOUS_PAGES.items():
                    shoot(page, out, f"{prefix}-{name}", path)
                    count += 1
                if label == "phone":
                    page.goto("/")
                    page.locator(".navbar-toggler").click()
                    page.locator("#nav-main.show").wait_for()
                    page.wait_for_timeout(400)  # the collapse animation
                    page.screenshot(path=str(out / f"{prefix}-menu-open.png"), full_page=True)
                    count += 1
                page.goto("/login")
                # an unknown account: the same message, and the project manager's own
                # account is not held after six failures
                sign_in(page, "niemand@example.org", "wrong password")
                page.screenshot(path=str(out / f"{prefix}-login-error.png"), full_page=True)
                count += 1
                sign_in(page, ADMIN, DEMO_PASSWORD)
                # The header's language button also sets the admin's own language.
                page.locator(f".nb-languages button[value={lang}]").click()
                page.wait_for_load_state()
                for name, path in SIGNED_IN_PAGES.items():
                    shoot(page, out, f"{prefix}-{name}", path)
                    count += 1
                page.goto("/profile")
                page.locator("#name").fill("")
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                page.screenshot(path=str(out / f"{prefix}-profile-error.png"), full_page=True)
                count += 1
                if label == "phone":
                    page.goto("/")
                    page.locator(".navbar-toggler").click()
                    page.locator("#nav-main.show").wait_for()
                    page.wait_for_timeout(400)
                    page.screenshot(
                        path=str(out / f"{prefix}-menu-open-signed-in.png"), full_page=True
                    )
                    count += 1
                context.close()
        browser.close()
    return count


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(tempfile.gettempdir()) / "screens"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_demo_app(Path(tmp))
        try:
            with serve(app) as base_url:
                count = take_all(base_url, out)
        finally:
            with app.app_context():
                db.engine.dispose()
    print(f"{count} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
