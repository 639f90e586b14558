"""Browser tests: the real app served from a thread, driven by Debian's chromium.

The live app is built with the suite's test configuration on the suite's database and
outbox, with real CSRF protection. Tests create their data with the factories inside the
``app`` fixture, then call ``settle()`` before the browser acts: SQLite writers queue at
BEGIN (every transaction here is BEGIN IMMEDIATE), so the test's own session must hold no
transaction while the browser works. After ``settle()``, use plain values (ids, e-mails)
captured before it, or query again once the browser step is over.

Screenshots of each step go to ``test-artifacts/screenshots/<test name>/NN-step.png``.

Every page of every browser test is checked (``tests/e2e/pagecheck.py``): axe-core runs at
each screenshot step, and at the end of a passing test on every page no step checked; the
Nu HTML checker validates each HTML document the server sent. No serious or critical axe
violation and no HTML error or warning may remain. The documents are kept in
``test-artifacts/html/<test name>/`` so the line numbers in a failure can be looked up.
"""

import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright
from werkzeug.serving import make_server

from clinic import PROJECT_ROOT
from clinic.extensions import db
from tests.e2e.pagecheck import INSTALL_HINT, PageChecks, axe_source, missing_tools
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
HTML_DOCUMENTS = PROJECT_ROOT / "test-artifacts" / "html"
TIMEOUT_MS = 10_000

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# Reports CSP violations even where the browser would not log them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI);
});
"""

expect.set_options(timeout=TIMEOUT_MS)


def settle() -> None:
    """End the test's transaction so the browser's requests can write (see above)."""
    db.session.commit()
    db.session.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def live_app(make_app, app):
    """The app the browser talks to: same test settings, database and outbox, real CSRF.
    It depends on ``app`` so that the server stops before ``app`` empties the tables."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(live_app):
    """Serve ``live_app`` on a free port from a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with live_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def axe_js() -> str:
    missing = missing_tools()
    if missing:
        pytest.fail(
            "The page checks need axe-core, vnu-jar and Java: "
            + "; ".join(missing)
            + f". {INSTALL_HINT}."
        )
    return axe_source()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class Screenshots:
    """Numbered screenshots of each step in one folder per test."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.before = None  # called with (page,) before each step's screenshot
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(
        self, page: Page, step: str, at: Locator | None = None, check: bool = True
    ) -> Path:
        """The whole page, or (for long pages) the screen scrolled to show ``at``; with
        ``check``, the page's accessibility is checked first (see ``pages``)."""
        if check and self.before is not None:
            self.before(page)
        self.count += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{name}.png"
        if at is not None:
            at.scroll_into_view_if_needed()
        page.screenshot(path=str(path), full_page=at is None)
        return path


@pytest.fixture
def shot(request):
    folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    return Screenshots(SCREENSHOTS / folder)


class Pages:
    """Browser pages, each in its own context (own cookies), with every console error,
    uncaught script error, CSP violation and failed response collected in ``problems``,
    and every HTML document they receive kept in ``checks`` for the page checks."""

    def __init__(self, browser, base_url: str, checks: PageChecks):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.pages = []
        self.who: dict[Page, str] = {}
        self.problems: list[str] = []
        self.checks = checks

    def new(self, who: str, device: str = "desktop") -> Page:
        options = {"base_url": self.base_url, **(PHONE if device == "phone" else DESKTOP)}
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        self.who[page] = who
        page.on("console", lambda msg: self.on_console(who, page, msg))
        page.on("pageerror", lambda error: self.problems.append(f"{who}: script error: {error}"))
        page.on("response", lambda response: self.on_response(who, response))
        page.on("response", lambda response: self.checks.record(who, page, response, options))
        return page

    def check_step(self, page: Page) -> None:
        """axe-core on ``page`` as a journey step shows it."""
        self.checks.run_axe(page, self.who.get(page, "page"))

    def check_all(self, folder: Path) -> None:
        """axe-core on every page not checked at a step, then the HTML of every document."""
        for page in self.pages:
            latest = self.checks.latest.get(page)
            if not page.is_closed() and latest is not None and not latest.checked:
                self.check_step(page)
        self.checks.check_unchecked(self.browser)
        axe = self.checks.axe_report()
        html = self.checks.validate_html(folder)
        report = []
        if axe:
            report.append(f"axe-core: {len(axe)} serious or critical violation(s):")
            report += axe
        if html:
            report.append(f"Nu HTML checker: {len(html)} error(s) and warning(s):")
            report += html
        assert not report, "\n".join(report)

    def on_console(self, who, page, message) -> None:
        if message.type == "error":
            self.problems.append(f"{who}: console error on {page.url}: {message.text}")

    def on_response(self, who, response) -> None:
        if response.status >= 400:
            self.problems.append(
                f"{who}: {response.status} for {response.request.method} {response.url}"
            )

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server, request, shot, axe_js):
    """Open pages with ``pages.new(who, "phone" | "desktop")``; check ``pages.problems``.
    When the test passes, every page it opened must pass the page checks (see above)."""
    opened = Pages(browser, live_server, PageChecks(axe_js))
    shot.before = opened.check_step
    yield opened
    report = getattr(request.node, "report_call", None)
    try:
        if report is not None and report.failed:
            for index, page in enumerate(opened.pages):
                if not page.is_closed():
                    shot(page, f"failure-page-{index + 1}", check=False)
        elif report is not None and report.passed:
            opened.check_all(HTML_DOCUMENTS / shot.folder.name)
    finally:
        opened.close()


@pytest.fixture
def page(pages) -> Page:
    """One desktop page."""
    return pages.new("desktop")


# Keyboard ------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "", value: el.value === undefined ? "" : String(el.value),
    text: (el.innerText || "").trim().slice(0, 80),
    outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth,
    // Chromium focuses a part inside a date or time input (day, month...): the input
    // itself then matches :focus-within, not :focus-visible.
    focusVisible: el.matches(":focus-visible")
      || (["date", "time"].includes(el.type) && el.matches(":focus-within")),
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page: Page) -> dict:
    """The focused element shows a visible focus indicator (an outline)."""
    element = focused(page)
    assert element["tag"] != "body", "nothing has the focus"
    assert element["focusVisible"], f"focus not :focus-visible on {element}"
    assert element["outlineStyle"] != "none" and float(element["outlineWidth"][:-2] or 0) > 0, (
        f"no visible focus outline on {element}"
    )
    return element


def tab_to(page: Page, selector: str, max_presses: int = 80) -> dict:
    """Press Tab until the element matching ``selector`` has the focus, checking that
    every element on the way shows its focus."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        element = assert_focus_visible(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return element
    raise AssertionError(f"{selector} not reached with {max_presses} presses of Tab")


# Signing in ----------------------------------------------------------------------------


def sign_in(page: Page, email: str, password: str = PASSWORD, keyboard: bool = False) -> None:
    """Sign in through the real form; with ``keyboard`` only Tab, typing and Enter."""
    page.goto("/sign-in")
    if keyboard:
        tab_to(page, "input[name=email]")
        page.keyboard.type(email)
        tab_to(page, "input[name=password]", max_presses=1)
        page.keyboard.type(password)
        page.keyboard.press("Enter")
    else:
        page.get_by_label("E-mail", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
