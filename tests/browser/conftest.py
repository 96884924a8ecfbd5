"""Real-browser tests: Playwright (sync API) driving Debian's Chromium against
pytest-django's live server on 127.0.0.1.

Fixtures:
- `browser`: one headless Chromium for the session;
- `new_page(width=…, height=…)`: a fresh context (own cookies) and page, closed after the test;
- `agent_page`: a page signed in, through the sign-in form, as `directory.agent`;
- `sign_in(page, email, password=PASSWORD)`: fill and send the agent sign-in form;
- `screenshot(page, name)`: save a full-page PNG under `test-artifacts/screenshots/`
  (git ignores it; RELAYDESK_TEST_ARTIFACTS moves it) and return its path.
Tests here are marked `browser` and skipped, with the reason, when
/usr/bin/chromium is missing (`apt-get install chromium`; .ci/run installs it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cmdb.fixtures import inventory  # noqa: F401 (fixture)
from tests.factories import PASSWORD, Directory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
REPO = Path(__file__).resolve().parents[2]

# The live server listens on loopback's address, not on whatever "localhost" means.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            missing = "Playwright is not installed (pip install -e '.[test]')"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def _async_unsafe_allowed() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread, and Django refuses
    database access from a thread with a running loop unless told it is safe here."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def browser(_async_unsafe_allowed: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh contexts whose relative URLs go to the live server."""
    contexts: list[Any] = []

    def open_page(width: int = DESKTOP["width"], height: int = DESKTOP["height"]) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            locale="en-GB",
            timezone_id="UTC",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    def fill_in(page: Any, email: str, password: str = PASSWORD) -> None:
        page.goto("/agent/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return fill_in


@pytest.fixture
def agent_page(
    transactional_db: None,
    directory: Directory,
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
) -> Any:
    page = new_page()
    sign_in(page, directory.agent.email)
    page.wait_for_url("**/agent/")
    return page


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("RELAYDESK_TEST_ARTIFACTS", REPO / "test-artifacts")) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshot(artifacts_dir: Path) -> Callable[[Any, str], Path]:
    def save(page: Any, name: str) -> Path:
        path = artifacts_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
