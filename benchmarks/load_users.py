"""The simulated people of benchmarks/load.py: partners completing exercises and therapists
opening their dashboards, each a thread with its own cookies, driving the app over HTTP on
127.0.0.1 with the standard library only (urllib, http.cookiejar).

Every request is recorded (route template, status, latency, whether it was what a real
browser expects); every save and submission the server acknowledged goes into a ledger
that load.py checks against the database once the server has stopped.
"""

import http.client
import json
import random
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar

# Words the partners type: plain sentences with accents, other scripts and the characters
# HTML and SQL care about, so escaping and encoding are exercised too.
WORDS = (  # noqa: SIM905  (a sentence reads better than a list of words)
    "When we get home I would like a six second hug before we talk about the day . "
    "Je me sens écouté quand tu poses ton téléphone — merci . "
    "Cuando discutimos , necesito una pausa de veinte minutos y luego volver . "
    "我们 周日 一起 散步 . Sometimes I say \"you never\" & I mean 'I miss you' < 3 . "
    "On Sunday mornings we could make pancakes ; the kids can help ."
).split()


@dataclass
class Sample:
    route: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    ms: float
    ok: bool


@dataclass
class Recorder:
    """Every request of every simulated person, and the first few problems in words."""

    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problem_count += 1
            if len(self.problems) < 15:
                self.problems.append(text)


@dataclass
class Ledger:
    """What the server acknowledged for one partner's response to one assignment."""

    saves: list[tuple[int, dict]] = field(default_factory=list)  # (lock version, answers)
    submitted: dict | None = None


@dataclass
class PartnerPlan:
    email: str
    password: str
    partner_id: int
    assignments: list[tuple[int, str]]  # (assignment id, exercise slug), in portal order


@dataclass
class TherapistPlan:
    email: str
    password: str


@dataclass
class Reply:
    status: int
    text: str
    location: str  # path and query of a redirect, "" otherwise
    ok: bool


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as replies, so each hop is recorded and checked on its own."""

    def redirect_request(self, *args, **kwargs):
        return None


class PageReader(HTMLParser):
    """The hidden inputs, the names of all form fields and the links of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.hidden: dict[str, str] = {}
        self.names: set[str] = set()
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("input", "textarea", "select") and attrs.get("name"):
            self.names.add(attrs["name"])
            if tag == "input" and attrs.get("type") == "hidden":
                self.hidden[attrs["name"]] = attrs.get("value") or ""


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body, as ``fetch`` sends a ``FormData``."""
    boundary = "----loadFormBoundary" + secrets.token_hex(8)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One person's browser: its own cookie jar, no proxy, only ever the given 127.0.0.1
    address, redirects not followed behind our back."""

    def __init__(self, base: str, recorder: Recorder, timeout: float):
        assert base.startswith("http://127.0.0.1:"), base
        self.base = base
        self.recorder = recorder
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(CookieJar()),
            NoRedirect(),
        )

    def request(
        self, method, path, route, expect, *, form=None, files=None, accept="text/html", to=None
    ) -> Reply:
        """Send one request; ``expect`` is the status a browser expects and ``to`` the
        redirect target (path and query) it expects, if any."""
        headers = {"Accept": accept, "User-Agent": "clinic-load/1"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif files is not None:
            body, headers["Content-Type"] = multipart(files)
        req = urllib.request.Request(  # noqa: S310  (always http://127.0.0.1:<port>)
            self.base + path, data=body, method=method, headers=headers
        )
        started = time.perf_counter()
        location, detail = "", ""
        try:
            with self.opener.open(req, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
            location = err.headers.get("Location") or ""
            err.close()
        except (OSError, http.client.HTTPException) as err:
            status, raw, detail = 0, b"", f"{type(err).__name__}: {err}"
        ms = (time.perf_counter() - started) * 1000
        if location:
            parts = urllib.parse.urlsplit(location)
            location = parts.path + (f"?{parts.query}" if parts.query else "")
        ok = status == expect and (to is None or location == to)
        self.recorder.add(Sample(route, status, ms, ok))
        if not ok:
            got = detail or f"{status}" + (f" to {location}" if location else "")
            want = f"{expect}" + (f" to {to}" if to else "")
            self.recorder.problem(f"{route} ({path}): expected {want}, got {got}")
        return Reply(status, raw.decode("utf-8", "replace"), location, ok)

    def sign_in(self, email: str, password: str, home: str) -> bool:
        page = self.request("GET", "/sign-in", "GET /sign-in", 200)
        if not page.ok:
            return False
        token = PageReader(page.text).hidden.get("csrf_token", "")
        form = [("csrf_token", token), ("email", email), ("password", password)]
        reply = self.request("POST", "/sign-in", "POST /sign-in", 303, form=form, to=home)
        return reply.ok


class Pacer:
    """Think time between actions, and the end of the run."""

    def __init__(self, deadline: float, think: float, stop: threading.Event, rng):
        self.deadline, self.think, self.stop, self.rng = deadline, think, stop, rng

    def over(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline

    def pause(self) -> bool:
        """Wait a moment as a person would; False when the run is over."""
        if self.think > 0:
            self.stop.wait(self.think * self.rng.uniform(0.5, 1.5))
        return not self.over()


def typed_text(rng, max_length: int) -> str:
    start = rng.randrange(len(WORDS))
    words = [WORDS[(start + i) % len(WORDS)] for i in range(rng.randint(6, 30))]
    return " ".join(words)[: min(max_length, 400)].strip()


def choose(item, rng):
    """What this partner will answer for ``item``, as the app stores it."""
    values = [option.value for option in item.options]
    if item.type in ("short_text", "long_text"):
        return typed_text(rng, item.max_length)
    if item.type in ("single_choice", "forced_choice"):
        return rng.choice(values)
    if item.type == "multiple_choice":
        picked = set(rng.sample(values, k=min(2, len(values))))
        return [v for v in values if v in picked]
    if item.type == "likert":
        return rng.choice(item.scale.points)
    if item.type == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if item.type == "repeating_list":
        rows = rng.randint(max(item.min_rows, 1), min(item.max_rows, 3))
        return [typed_text(rng, item.max_length)[:60].strip() or "a walk" for _ in range(rows)]
    if item.type == "ranking":
        return rng.sample(values, k=len(values))
    raise ValueError(item.type)


def partly_typed(item, value, fraction: float):
    """The answer part-way through typing it: text grows, choices are made at once."""
    if item.type not in ("short_text", "long_text"):
        return value
    words = value.split(" ")
    return " ".join(words[: max(1, round(len(words) * fraction))])


def encode(item, value) -> list[tuple[str, str]]:
    """Form fields as the browser posts them for one item."""
    if item.type in ("repeating_list", "ranking"):
        return [(f"{item.id}-{index}", str(entry)) for index, entry in enumerate(value)]
    if item.type == "multiple_choice":
        return [(item.id, entry) for entry in value]
    return [(item.id, str(value))]


def field_names(item) -> list[str]:
    """The names a page must hold for the browser to send ``item``."""
    if item.type == "ranking":
        return [f"{item.id}-{index}" for index in range(len(item.options))]
    if item.type == "repeating_list":
        return [f"{item.id}-0"]
    return [item.id]


class PartnerRun:
    """A partner signs in, then works through their exercises page by page: drafts saved
    as they type (the page script's autosave), the page's own button, submit."""

    def __init__(self, browser, plan, definitions, ledgers, pacer, rng):
        self.browser, self.plan, self.definitions = browser, plan, definitions
        self.ledgers, self.pacer, self.rng = ledgers, pacer, rng

    def run(self) -> None:
        if not self.browser.sign_in(self.plan.email, self.plan.password, "/portal"):
            return
        for assignment_id, slug in self.plan.assignments:
            if not self.portal_lists(assignment_id) or not self.pacer.pause():
                return
            if not self.complete(assignment_id, self.definitions[slug]):
                return
        while self.pacer.pause():  # everything done: look at the portal now and then
            if not self.browser.request("GET", "/portal", "GET /portal", 200).ok:
                return

    def portal_lists(self, assignment_id: int) -> bool:
        reply = self.browser.request("GET", "/portal", "GET /portal", 200)
        if reply.ok and f"/portal/assignments/{assignment_id}" not in PageReader(reply.text).links:
            self.browser.recorder.problem(f"assignment {assignment_id} missing from the portal")
            return False
        return reply.ok

    def complete(self, assignment_id: int, definition) -> bool:
        """Work through one exercise; False when the run ended or something went wrong."""
        base = f"/portal/assignments/{assignment_id}"
        ledger = self.ledgers[(assignment_id, self.plan.partner_id)]
        exercise = f"{base}/exercise"
        reply = self.browser.request("GET", base, "GET /portal/assignments/<id>", 302, to=exercise)
        if not reply.ok:
            return False
        reply = self.browser.request("GET", exercise, "GET /portal/assignments/<id>/exercise", 200)
        answers: dict = {}
        lock = 0
        pages = len(definition.sections)
        for number, section in enumerate(definition.sections):
            if not reply.ok:
                return False
            page = PageReader(reply.text)
            missing = [n for i in section.items for n in field_names(i) if n not in page.names]
            if page.hidden.get("page") != str(number) or missing:
                self.browser.recorder.problem(f"{exercise} page {number}: unexpected form")
                return False
            if page.hidden.get("lock_version") != str(lock):
                self.browser.recorder.problem(
                    f"{exercise} page {number}: lock version {page.hidden.get('lock_version')}"
                    f" shown, {lock} expected"
                )
                return False
            token = page.hidden["csrf_token"]
            chosen = {item.id: choose(item, self.rng) for item in section.items}
            typing = self.rng.randint(1, 3)
            for step in range(1, typing + 1):
                if not self.pacer.pause():
                    return False
                values = {
                    item.id: partly_typed(item, chosen[item.id], step / (typing + 1))
                    for item in section.items
                }
                lock = self.autosave(base, token, number, lock, section, values, answers, ledger)
                if lock is None:
                    return False
            if not self.pacer.pause():
                return False
            last = number == pages - 1
            fields = self.fields(token, number, lock, section, chosen)
            fields.append(("action", "submit" if last else "next"))
            target = f"{base}/result" if last else f"{exercise}?page={number + 1}"
            route = "POST /portal/assignments/<id>/exercise " + ("(submit)" if last else "(next)")
            reply = self.browser.request("POST", exercise, route, 303, form=fields, to=target)
            if not reply.ok:
                return False
            lock += 1
            answers = {**answers, **chosen}
            if last:
                ledger.submitted = dict(answers)
                reply = self.browser.request(
                    "GET", target, "GET /portal/assignments/<id>/result", 200
                )
                return reply.ok
            ledger.saves.append((lock, dict(answers)))
            reply = self.browser.request(
                "GET", target, "GET /portal/assignments/<id>/exercise", 200
            )
        return False

    @staticmethod
    def fields(token, number, lock, section, values) -> list[tuple[str, str]]:
        fields = [("csrf_token", token), ("page", str(number)), ("lock_version", str(lock))]
        for item in section.items:
            fields.extend(encode(item, values[item.id]))
        return fields

    def autosave(self, base, token, number, lock, section, values, answers, ledger):
        """One save from the page script (FormData without the button); the new lock
        version, or None when the save was not acknowledged as a browser expects."""
        reply = self.browser.request(
            "POST",
            f"{base}/autosave",
            "POST /portal/assignments/<id>/autosave",
            200,
            files=self.fields(token, number, lock, section, values),
            accept="application/json",
        )
        if not reply.ok:
            return None
        try:
            new_lock = int(json.loads(reply.text)["lock_version"])
        except (ValueError, KeyError, TypeError):
            self.browser.recorder.problem(f"{base}/autosave: no lock version in the reply")
            return None
        if new_lock != lock + 1:
            self.browser.recorder.problem(f"{base}/autosave: lock {new_lock} after {lock}")
            return None
        answers.update(values)
        ledger.saves.append((new_lock, dict(answers)))
        return new_lock


COUPLE_LINK = re.compile(r"^/couples/(\d+)$")


class TherapistRun:
    """A therapist between sessions: the dashboard, a couple, one exercise's answers."""

    def __init__(self, browser, plan, pacer, rng):
        self.browser, self.plan, self.pacer, self.rng = browser, plan, pacer, rng

    def run(self) -> None:
        if not self.browser.sign_in(self.plan.email, self.plan.password, "/couples"):
            return
        while self.pacer.pause():
            reply = self.browser.request("GET", "/couples", "GET /couples", 200)
            couples = [link for link in PageReader(reply.text).links if COUPLE_LINK.match(link)]
            if not reply.ok or not couples:
                if reply.ok:
                    self.browser.recorder.problem(f"{self.plan.email}: no couples on dashboard")
                return
            couple = self.rng.choice(couples)
            if not self.pacer.pause():
                return
            reply = self.browser.request("GET", couple, "GET /couples/<id>", 200)
            review = re.compile(rf"^{couple}/assignments/\d+$")
            exercises = [link for link in PageReader(reply.text).links if review.match(link)]
            if not reply.ok:
                return
            if exercises and self.pacer.pause():
                reply = self.browser.request(
                    "GET", self.rng.choice(exercises), "GET /couples/<id>/assignments/<id>", 200
                )
                if not reply.ok:
                    return


def run_people(base, partners, therapists, definitions, seconds, think, timeout, seed, stop):
    """Run everyone at once until ``seconds`` have passed; returns the recorder, the
    ledgers, the wall time and the names of threads that did not finish."""
    recorder = Recorder()
    # People arrive over the first few seconds rather than in one instant.
    ramp = min(5.0, seconds / 10)
    people = len(partners) + len(therapists)

    def arrive(index, run):
        def target():
            if not stop.wait(ramp * index / people):
                run.run()

        return target

    ledgers = {(a, p.partner_id): Ledger() for p in partners for a, _slug in p.assignments}
    deadline = time.monotonic() + seconds
    threads = []
    for index, plan in enumerate(partners):
        rng = random.Random(seed * 1000 + index)  # noqa: S311  (simulated typing, not security)
        run = PartnerRun(
            Browser(base, recorder, timeout),
            plan,
            definitions,
            ledgers,
            Pacer(deadline, think, stop, rng),
            rng,
        )
        thread = threading.Thread(target=arrive(index, run), name=f"partner-{index}", daemon=True)
        threads.append(thread)
    for index, plan in enumerate(therapists):
        rng = random.Random(seed * 1000 + 900 + index)  # noqa: S311
        run = TherapistRun(
            Browser(base, recorder, timeout), plan, Pacer(deadline, think * 2, stop, rng), rng
        )
        name = f"therapist-{index}"
        threads.append(threading.Thread(target=arrive(len(threads), run), name=name, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline + timeout + 5 - time.monotonic()))
    elapsed = time.monotonic() - started
    stuck = [t.name for t in threads if t.is_alive()]
    for name in stuck:
        recorder.problem(f"{name} did not finish in time")
    return recorder, ledgers, elapsed, stuck
