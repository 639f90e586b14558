"""Accessibility (axe-core) and HTML validity (the Nu HTML checker) of every page a browser
test opens.

``PageChecks`` keeps each HTML document the server sends to a test's pages (the response
body as sent, not the DOM). axe-core runs in the live page at each screenshot step; at the
end of the test, each document that no step checked is served again, byte for byte with its
own Content-Security-Policy, to a fresh page where axe-core runs once more, so every page
of the journey is checked. Then one Java run of the Nu HTML checker validates all the
documents together (a JVM starts slowly).

The tools come from npm (package.json at the repository root): ``make test`` installs them
with ``make node-deps``. Without them the browser tests fail, never skip.
"""

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Error, Page, Response, Route

from clinic import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = "run `make test` (or `make node-deps`) to install them"

# WCAG 2.0 and 2.1, A and AA, and axe's best practices; colour contrast (AA) is "serious".
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""

# A short run: the quick compiler only (about half the CPU time of the default) and the
# thread stack the checker asks for.
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]

ASSET_TYPES = ("stylesheet", "script", "font", "image")

# What differs between two sends of the same page without making it another page.
VOLATILE = [
    (re.compile(rb'name="csrf_token"[^>]*value="[^"]*"'), b'name="csrf_token" value=""'),
    (re.compile(rb"\b\d\d:\d\d(:\d\d)?\b"), b"00:00"),
]


def missing_tools() -> list[str]:
    """What the checks need and cannot find."""
    missing = [f"{path} is missing" for path in (AXE_JS, VNU_JAR) if not path.is_file()]
    if shutil.which("java") is None:
        missing.append("java is not on the PATH (the Nu HTML checker needs it)")
    return missing


def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@dataclass
class Document:
    """One HTML document the server sent to a page."""

    who: str
    url: str
    status: int
    headers: dict
    body: bytes
    context_options: dict
    checked: bool = False

    @property
    def key(self) -> str:
        body = self.body
        for pattern, replacement in VOLATILE:
            body = pattern.sub(replacement, body)
        return hashlib.sha256(self.url.encode() + b"\0" + body).hexdigest()


@dataclass
class PageChecks:
    """The documents of one test's pages, and what the checks found in them."""

    axe_js: str
    documents: list[Document] = field(default_factory=list)
    latest: dict = field(default_factory=dict)  # page -> its current Document
    violations: dict = field(default_factory=dict)  # (rule, target) -> details, pages
    unreadable: list[str] = field(default_factory=list)
    # What the pages loaded besides documents (style sheets, fonts, scripts, images), for
    # the pages served again: a replay asks the live app for nothing, so it can neither
    # change nor wait for the test's database.
    assets: dict = field(default_factory=dict)  # url -> (status, headers, body)

    # Recording ---------------------------------------------------------------------

    def record(self, who: str, page: Page, response: Response, context_options: dict) -> None:
        """Keep ``response`` if it is an HTML document of ``page``'s main frame."""
        request = response.request
        if request.resource_type in ASSET_TYPES:
            self.record_asset(response)
            return
        if request.resource_type != "document" or response.frame != page.main_frame:
            return
        if not 200 <= response.status < 300 and not 400 <= response.status < 600:
            return  # redirects carry no page
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        try:
            body = response.body()
        except Error as error:  # the page moved on before the body could be read
            self.unreadable.append(f"{who}: {response.url}: {error.message.splitlines()[0]}")
            return
        headers = {
            name: value
            for name, value in response.headers.items()
            if name in ("content-type", "content-security-policy")
        }
        document = Document(who, response.url, response.status, headers, body, context_options)
        self.documents.append(document)
        self.latest[page] = document

    def record_asset(self, response: Response) -> None:
        if response.status != 200 or response.url in self.assets:
            return
        try:
            body = response.body()
        except Error:
            return  # a replay asks the live app for it instead
        headers = {"content-type": response.headers.get("content-type", "")}
        self.assets[response.url] = (response.status, headers, body)

    # axe-core ----------------------------------------------------------------------

    def run_axe(self, page: Page, who: str) -> None:
        """Run axe-core in ``page`` as it is now; keep serious and critical violations."""
        page.wait_for_load_state("load")
        for attempt in range(3):
            try:
                if not page.evaluate("() => typeof window.axe === 'object'"):
                    # Evaluated through DevTools, so the page's CSP (no inline script)
                    # does not apply to it; the page's own scripts stay restricted.
                    page.evaluate(self.axe_js)
                violations = page.evaluate(AXE_RUN, AXE_TAGS)
                break
            except Error as error:
                if attempt == 2 or "context was destroyed" not in error.message:
                    raise
                page.wait_for_load_state("load")
        url = path_of(page.url)
        for violation in violations:
            if violation["impact"] not in FAILING_IMPACTS:
                continue
            for node in violation["nodes"]:
                found = self.violations.setdefault(
                    (violation["id"], node["target"]),
                    {"violation": violation, "node": node, "where": []},
                )
                if f"{who} {url}" not in found["where"]:
                    found["where"].append(f"{who} {url}")
        document = self.latest.get(page)
        if document is not None:
            document.checked = True

    def check_unchecked(self, browser: Browser) -> None:
        """Serve each document no step checked again to a fresh page, and run axe-core."""
        checked = {document.key for document in self.documents if document.checked}
        todo: dict[str, Document] = {}
        for document in self.documents:
            if document.key not in checked:
                todo.setdefault(document.key, document)
        if not todo:
            return
        serving: dict = {}

        def serve(route: Route) -> None:
            request = route.request
            if request.is_navigation_request() and request.frame.parent_frame is None:
                document = serving["document"]
                route.fulfill(status=document.status, headers=document.headers, body=document.body)
            elif request.url in self.assets:
                status, headers, body = self.assets[request.url]
                route.fulfill(status=status, headers=headers, body=body)
            elif path_of(request.url).startswith("/static/"):
                route.continue_()  # a file, which touches no database
            else:
                route.abort()  # a replayed page must change nothing on the server

        contexts = {}
        try:
            for document in todo.values():
                options_key = json.dumps(document.context_options, sort_keys=True)
                if options_key not in contexts:
                    context = browser.new_context(**document.context_options)
                    context.route("**/*", serve)
                    contexts[options_key] = context.new_page()
                page = contexts[options_key]
                serving["document"] = document
                page.goto(document.url)
                self.latest[page] = document
                self.run_axe(page, f"{document.who} (replayed)")
        finally:
            for page in contexts.values():
                page.context.close()

    def axe_report(self) -> list[str]:
        lines = []
        for (rule, target), found in sorted(self.violations.items()):
            violation, node = found["violation"], found["node"]
            where = found["where"]
            pages = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
            summary = " ".join(node["summary"].split())
            lines.append(
                f"[{violation['impact']}] {rule}: {violation['help']}\n"
                f"    element: {target}\n    on: {pages}\n    {summary}"
            )
        return lines

    # The Nu HTML checker ---------------------------------------------------------------

    def validate_html(self, folder: Path) -> list[str]:
        """Validate every distinct document in one run of the Nu HTML checker; return its
        errors and warnings as "who URL line N: message" lines."""
        unique: dict[str, Document] = {}
        for document in self.documents:
            unique.setdefault(document.key, document)
        if not unique:
            return []
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        files = {}
        for number, document in enumerate(unique.values(), start=1):
            path = folder / f"{number:03d}.html"
            path.write_bytes(document.body)
            files[path.resolve().as_uri()] = (path.name, document)
        result = subprocess.run(
            ["java", *JAVA_OPTIONS, "-jar", str(VNU_JAR)]
            + ["--format", "json", "--stdout", "--exit-zero-always"]
            + [str(path) for path in sorted(folder.glob("*.html"))],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not result.stdout.strip():
            return [f"the Nu HTML checker failed ({result.returncode}): {result.stderr[-2000:]}"]
        problems = []
        for message in json.loads(result.stdout)["messages"]:
            if not reported(message):
                continue
            name, document = files.get(normalise_file_url(message.get("url", "")), ("?", None))
            where = (
                f"{document.who} {path_of(document.url)} (saved as {folder / name})"
                if document
                else message.get("url", "?")
            )
            kind = message.get("subType", message["type"])
            problems.append(
                f"{where} line {message.get('lastLine', '?')}: {kind}: {message['message']}\n"
                f"    {' '.join(message.get('extract', '').split())}"
            )
        return problems


def reported(message: dict) -> bool:
    """Errors and warnings fail a test; plain information (no sub-type) does not, nor
    does the warning that only points at the first of two duplicate ids (the error on
    the second one is reported)."""
    if message["type"] in ("error", "non-document-error"):
        return True
    return (
        message["type"] == "info"
        and message.get("subType") == "warning"
        and not message.get("message", "").startswith("The first occurrence of ID")
    )


def normalise_file_url(url: str) -> str:
    """vnu writes ``file:/tmp/x``; pathlib writes ``file:///tmp/x``."""
    return re.sub(r"^file:/+", "file:///", url)


def path_of(url: str) -> str:
    """``url`` without the live server's address, which changes from run to run."""
    return re.sub(r"^https?://[^/]+", "", url)
