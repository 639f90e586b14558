"""`make bench`: one table from one run, each figure beside a baseline measured in the same run.

Run: .venv/bin/python benchmarks/bench.py [--runs N] [--pdf-runs N]

The app runs in-process behind its Flask test client, on a throwaway SQLite database built
from the migrations, with CSRF on (pages are read for their form tokens, as a browser
would). One therapist's caseload grows from 10 to 100 to 1,000 couples, seeded in bulk
through the app's models with what real use leaves behind: two partners (most of them
signed up), handouts read or not, exercises drafted or submitted, overdue items, risk
flags waiting for review, session notes. Measured:

- the therapist's dashboard at each size: time, and SQL statements per request, which must
  not grow with the caseload (the run fails loudly when the count at 1,000 is higher);
- a partner's portal home and one autosave of an exercise page, posted as the page's
  script posts it;
- a handout PDF through its route, cold (cache emptied) and cached; a packet of 5;
- a client session summary PDF (two SVG charts) through its route, and plain paragraphs
  filling the same number of pages.

Baselines from the same run: a static file through the same client (the most trivial
route), and WeasyPrint rendering a one-line page.
"""

import argparse
import contextlib
import datetime as dt
import io
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402
from weasyprint import HTML  # noqa: E402

from clinic import create_app  # noqa: E402
from clinic.accounts.models import User  # noqa: E402
from clinic.assignments import responses  # noqa: E402
from clinic.assignments.models import Assignment, AssignmentProgress, Response  # noqa: E402
from clinic.assignments.services import assign_items  # noqa: E402
from clinic.couples.models import Couple, Invitation, Partner  # noqa: E402
from clinic.db import utcnow  # noqa: E402
from clinic.extensions import db  # noqa: E402
from clinic.forms_engine.forms import answers_to_formdata  # noqa: E402
from clinic.forms_engine.scorers import SCORERS  # noqa: E402
from clinic.intake.models import RiskFlag  # noqa: E402
from clinic.library.services import current_library  # noqa: E402
from clinic.reports.handouts import handout_pdf  # noqa: E402
from clinic.reports.render import current_practice, render_pdf  # noqa: E402
from clinic.sessions import services as notes  # noqa: E402
from clinic.sessions.models import SessionNote  # noqa: E402

PASSWORD = "benchmark pass phrase"  # noqa: S105  (a throwaway database's accounts)
# Light argon2 parameters so 2,000 partner accounts cost nothing to create; signing in
# still goes through the app's own verification.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
THERAPIST_EMAIL = "therapist@bench.example"
SIZES = (10, 100, 1000)
BASELINE_ROUTE = "/static/css/app.css"
FIRST_NAMES = (
    "Sam",
    "Alex",
    "Jordan",
    "Morgan",
    "Taylor",
    "Riley",
    "Kim",
    "Lee",
    "Robin",
    "Casey",
    "Jamie",
    "Avery",
    "Quinn",
    "Drew",
    "Parker",
    "Rowan",
    "Sage",
    "Emerson",
    "Hayden",
    "Reese",
    "Charlie",
    "Dakota",
    "Finley",
    "Harper",
    "Jesse",
    "Kai",
    "Logan",
    "Micah",
)
PARAGRAPH = (
    "We talked about what happens on busy evenings, when one of you reaches out and the "
    "other is tired. Small moments of turning towards each other add up over a week, and "
    "a gentle start-up makes the harder conversations easier to finish well."
)
PLAIN_PAGE = """{% extends "pdf/base.html" %}
{% block content %}<h1>{{ title }}</h1>
{% for _ in range(paragraphs) %}<p>{{ text }}</p>
{% endfor %}{% endblock %}"""
NOTE_TEXT = {
    "talked_about": (
        "We talked about the argument over the holiday plans and how it **started**.\n\n"
        "- Harsh start-ups on busy evenings\n- Feeling unheard when plans change\n"
        "- What a repair attempt looks like for each of you"
    ),
    "noticed": (
        "Things went better when you took a **twenty-minute break** and came back. "
        "Bids for connection in the evening are often small, and easy to miss."
    ),
    "practise": (
        "1. Use a gentle start-up: *I feel... about... I need...*\n"
        "2. Notice one bid each evening and turn towards it.\n"
        "3. When flooded, say so and take a break; agree when you will come back."
    ),
    "clinician_notes": "Consider individual sessions if flooding continues.",
}


# --- measuring ---------------------------------------------------------------------------


def is_counted(statement: str) -> bool:
    """SQL sent for the request's own work: transaction and connection chatter left out."""
    return not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA"))


@contextmanager
def recorded_statements(engine) -> Iterator[list[str]]:
    """Every SQL statement sent through ``engine`` inside the block (see ``is_counted``)."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        if is_counted(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@dataclass
class Sample:
    """Times (ms) of repeated runs and, for requests, the SQL statements of each run."""

    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        if len(self.times) < 2:
            return self.times[0]
        return statistics.quantiles(self.times, n=20, method="inclusive")[18]

    @property
    def query_count(self) -> int | None:
        """The usual count: a once-a-minute session touch in one run does not move it."""
        return Counter(self.queries).most_common(1)[0][0] if self.queries else None


def clock(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def measure(
    action: Callable[[], object],
    runs: int,
    baseline: Callable[[], object],
    *,
    engine=None,
    before: Callable[[], object] | None = None,
) -> tuple[Sample, Sample]:
    """Run ``action`` ``runs`` times, each run right after one run of ``baseline``, so a
    busy machine slows both alike. ``before`` (untimed) prepares each run. With an
    ``engine``, ``action`` is a request: its SQL statements are counted and it must answer
    200, so an error page is never measured as a fast answer."""
    sample, base = Sample(), Sample()
    baseline()  # warm
    for _ in range(runs):
        base.times.append(clock(baseline)[0])
        if before:
            before()
        if engine is None:
            sample.times.append(clock(action)[0])
            continue
        with recorded_statements(engine) as statements:
            elapsed, response = clock(action)
        if response.status_code != 200:
            raise SystemExit(f"bench: {response.request.path} answered {response.status_code}")
        sample.times.append(elapsed)
        sample.queries.append(len(statements))
    return sample, base


# --- the app and its data -----------------------------------------------------------------


def build_app(scratch: Path):
    """The app on a fresh SQLite file built from the migrations, CSRF on."""
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.db'}",
            "OUTBOX_DIR": str(scratch / "outbox"),
            "PDF_CACHE_DIR": str(scratch / "pdf-cache"),
        }
    )
    migration_log = io.StringIO()
    with app.app_context(), contextlib.redirect_stderr(migration_log):
        # Alembic logs each migration to stderr; keep the table alone on the screen.
        try:
            upgrade()
        except BaseException:
            sys.stderr.write(migration_log.getvalue())
            raise
    return app


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Bulk INSERT through the model (one statement per batch); the new ids, in order."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def plausible_answers(definition, seed: int = 0) -> dict:
    """A full set of plausible answers for any definition; ``seed`` varies the choices."""
    answers = {}
    for index, item in enumerate(definition.items):
        n = index + seed
        if item.type == "short_text":
            answers[item.id] = f"A short answer {n}"
        elif item.type == "long_text":
            answers[item.id] = f"We noticed it on Tuesday evening ({n}).\nIt helped to talk."
        elif item.type in ("single_choice", "forced_choice"):
            answers[item.id] = item.options[n % len(item.options)].value
        elif item.type == "multiple_choice":
            answers[item.id] = [o.value for o in item.options[seed % 2 :: 2]]
        elif item.type == "ranking":
            answers[item.id] = [o.value for o in item.options[::-1]]
        elif item.type == "likert":
            points = item.scale.points
            answers[item.id] = points[(n * 7 + seed) % len(points)]
        elif item.type == "date":
            answers[item.id] = (dt.date(2026, 12, 1) + dt.timedelta(days=n % 28)).isoformat()
        elif item.type == "repeating_list":
            answers[item.id] = [f"Promise {r}" for r in range(max(item.min_rows, 2))][
                : item.max_rows
            ]
    return answers


def partner_name(i: int, position: int) -> str:
    return FIRST_NAMES[(i * 7 + 3 * (position - 1)) % len(FIRST_NAMES)]


def couple_label(i: int) -> str:
    return f"{partner_name(i, 1)} & {partner_name(i, 2)} ({i:04d})"


def seed_caseload(therapist_id: int, count: int, start: int = 0) -> list[int]:
    """Add ``count`` couples to the therapist's caseload, numbered from ``start``, as real
    use leaves them. Bulk inserts, one commit; returns the new couples' ids.

    Per couple: two partners, both signed up except in one couple in ten (the second
    partner then has an invitation pending); a handout for both (past due, read by one
    partner), a love-language exercise for both (one partner submitted, the other has a
    draft), a trust reflection for partner 1 (past due, a draft), a handout for partner 2
    due next week; a finalised and released session note and a draft one. One couple in
    25 has a risk flag waiting for review. Statuses: mostly active, some paused or closed.
    """
    library = current_library()
    love = library.exercise("love-language-discovery")
    trust = library.exercise("trust-reflection")
    handouts = [h.slug for h in library.ordered()]
    love_answers = [plausible_answers(love, seed) for seed in (0, 1)]
    love_scores = [SCORERS[love.scorer](love, a) for a in love_answers]
    trust_draft = {k: v for k, v in plausible_answers(trust).items() if k in ("rely", "open_up")}
    now = utcnow()
    today = now.date()
    numbers = range(start, start + count)

    couple_ids = insert_rows(
        Couple,
        [
            {
                "therapist_id": therapist_id,
                "label": couple_label(i),
                "status": "closed" if i % 13 == 5 else "paused" if i % 8 == 3 else "active",
            }
            for i in numbers
        ],
    )
    joined = [(i, position) for i in numbers for position in (1, 2) if position == 1 or i % 10]
    user_ids = dict(
        zip(
            joined,
            insert_rows(
                User,
                [
                    {
                        "email": f"partner{i}-{position}@bench.example",
                        "display_name": partner_name(i, position),
                        "password_hash": PASSWORD_HASH,
                        "role": "client",
                        "is_active": True,
                        "last_sign_in_at": now - dt.timedelta(days=i % 20),
                    }
                    for i, position in joined
                ],
            ),
            strict=True,
        )
    )
    partner_keys = [(i, position) for i in numbers for position in (1, 2)]
    partner_ids = dict(
        zip(
            partner_keys,
            insert_rows(
                Partner,
                [
                    {
                        "couple_id": couple_ids[i - start],
                        "user_id": user_ids.get((i, position)),
                        "position": position,
                        "display_name": partner_name(i, position),
                        "pronouns": "",
                        "email": f"partner{i}-{position}@bench.example",
                    }
                    for i, position in partner_keys
                ],
            ),
            strict=True,
        )
    )
    insert_rows(
        Invitation,
        [
            {
                "partner_id": partner_ids[(i, 2)],
                "token_hash": f"{therapist_id:08d}{i:056d}",
                "sent_by_id": therapist_id,
                "expires_at": now + dt.timedelta(days=5),
            }
            for i in numbers
            if (i, 2) not in user_ids
        ],
    )
    notes_rows = []
    for i in numbers:
        couple_id = couple_ids[i - start]
        attendees = [partner_ids[(i, 1)], partner_ids[(i, 2)]]
        held = now - dt.timedelta(days=7 + i % 30)
        notes_rows.append(
            {
                "couple_id": couple_id,
                "therapist_id": therapist_id,
                "session_at": held,
                "attendees": attendees,
                "layers": ["manage-conflict", "turn-towards"],
                **NOTE_TEXT,
                "next_appointment_at": held + dt.timedelta(days=14),
                "status": "final",
                "finalised_at": held + dt.timedelta(hours=1),
                "finalised_by_id": therapist_id,
                "released_at": held + dt.timedelta(hours=2),
            }
        )
        notes_rows.append(
            {
                "couple_id": couple_id,
                "therapist_id": therapist_id,
                "session_at": held + dt.timedelta(days=7),
                "attendees": attendees,
                "layers": ["love-maps"],
                **NOTE_TEXT,
                "next_appointment_at": None,
                "status": "draft",
                "finalised_at": None,
                "finalised_by_id": None,
                "released_at": None,
            }
        )
    note_ids = insert_rows(SessionNote, notes_rows)

    def assignment(i, kind, slug, partner, due, note):
        return {
            "couple_id": couple_ids[i - start],
            "item_kind": kind,
            "item_slug": slug,
            "partner_id": partner_ids[(i, partner)] if partner else None,
            "due_on": due,
            "note": note,
            "session_note_id": note_ids[2 * (i - start)],
            "assigned_by_id": therapist_id,
        }

    plan = []  # (i, what) in insert order
    rows = []
    for i in numbers:
        items = {
            "handout": ("handout", handouts[i % len(handouts)], None, today - dt.timedelta(3)),
            "love": ("exercise", love.slug, None, today + dt.timedelta(days=4)),
            "trust": ("exercise", trust.slug, 1, today - dt.timedelta(days=1)),
            "later": ("handout", handouts[(i + 5) % len(handouts)], 2, today + dt.timedelta(7)),
        }
        for what, (kind, slug, partner, due) in items.items():
            plan.append((i, what))
            rows.append(assignment(i, kind, slug, partner, due, "Take your time with this."))
    assignment_ids = dict(zip(plan, insert_rows(Assignment, rows), strict=True))

    insert_rows(
        AssignmentProgress,
        [
            {
                "assignment_id": assignment_ids[(i, "handout")],
                "partner_id": partner_ids[(i, position)],
                "opened_at": now - dt.timedelta(days=2),
                "read_at": now - dt.timedelta(days=2) if position == 1 else None,
            }
            for i in numbers
            for position in (1, 2)
            if (i, position) in user_ids
        ],
    )

    def response(i, what, position, status, answers, scores=None, shared=False):
        return {
            "assignment_id": assignment_ids[(i, what)],
            "partner_id": partner_ids[(i, position)],
            "status": status,
            "answers": answers,
            "scores": scores,
            "lock_version": 3,
            "visibility": "shared" if shared else "private",
            "submitted_at": now - dt.timedelta(days=1) if status == "submitted" else None,
        }

    submitted = insert_rows(
        Response,
        [
            response(i, "love", 1, "submitted", love_answers[i % 2], love_scores[i % 2], i % 3 > 0)
            for i in numbers
        ],
    )
    insert_rows(
        Response,
        [response(i, "love", 2, "draft", love_answers[1]) for i in numbers if (i, 2) in user_ids]
        + [response(i, "trust", 1, "draft", trust_draft) for i in numbers],
    )
    insert_rows(
        RiskFlag,
        [
            {
                "couple_id": couple_ids[i - start],
                "partner_id": partner_ids[(i, 1)],
                "response_id": submitted[i - start],
                "label": "An answer to review",
            }
            for i in numbers
            if i % 25 == 7
        ],
    )
    db.session.commit()
    return couple_ids


@dataclass
class Showcase:
    """The couple whose partner, handouts and session summary are measured."""

    couple_id: int
    partner_email: str
    trust_assignment_id: int
    note_id: int


def seed_showcase(therapist) -> Showcase:
    """A couple as the app's own services leave them: both partners submitted and shared
    the love-language exercise and the relationship-house check-up (two charts in the
    summary), a trust reflection under way, three pieces of homework from a finalised and
    released session note, and a handout to read."""
    library = current_library()
    couple = Couple(therapist_id=therapist.id, label="Sam & Alex")
    couple.partners = [
        Partner(position=1, display_name="Sam Rivera", email="sam@bench.example"),
        Partner(position=2, display_name="Alex Rivera", email="alex@bench.example"),
    ]
    for partner in couple.partners:
        partner.user = User(
            email=partner.email,
            display_name=partner.display_name,
            password_hash=PASSWORD_HASH,
            role="client",
        )
    db.session.add(couple)
    db.session.flush()
    sam, alex = couple.partners
    held = utcnow() - dt.timedelta(days=2)
    note = notes.start_note(couple, therapist, held, template="conflict")
    notes.save_note(
        note, {**NOTE_TEXT, "next_appointment_at": held + dt.timedelta(days=7)}, note.lock_version
    )
    due = utcnow().date() + dt.timedelta(days=5)
    homework = [
        *assign_items(
            couple, [("handout", "four-horsemen-and-antidotes")], None, due, "", therapist
        ),
        *assign_items(couple, [("exercise", "bids-for-connection-log")], sam, due, "", therapist),
        *assign_items(couple, [("exercise", "trust-reflection")], alex, None, "", therapist),
    ]
    for assignment in homework:
        assignment.session_note_id = note.id
    for slug in ("love-language-discovery", "house-checkup"):
        definition = library.exercise(slug)
        (assignment,) = assign_items(couple, [("exercise", slug)], None, None, "", therapist)
        for seed, partner in enumerate((sam, alex)):
            draft = responses.start_draft(assignment, partner, definition)
            answers = plausible_answers(definition, seed)
            responses.submit_response(draft, answers, definition, draft.lock_version)
            responses.set_visibility(draft, True, definition)
    (trust,) = assign_items(couple, [("exercise", "trust-reflection")], sam, due, "", therapist)
    notes.finalise_note(note, therapist)
    notes.release_summary(note)
    db.session.commit()
    return Showcase(couple.id, sam.email, trust.id, note.id)


# --- a browser's side ---------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    if not match:
        raise SystemExit("bench: no form token on the page")
    return match.group(1) or match.group(2)


def signed_in_client(app, email: str):
    """A test client signed in through the sign-in form, as a person would."""
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit(f"bench: signing in {email} answered {response.status_code}")
    return client


class Autosave:
    """Posts page 1 of an exercise as the page's script does (the form's fields, its token
    and the lock version of the last save), changing one answer each time."""

    def __init__(self, client, assignment_id: int, definition):
        self.client = client
        self.url = f"/portal/assignments/{assignment_id}/autosave"
        page = client.get(f"/portal/assignments/{assignment_id}/exercise?page=0")
        text = page.get_data(as_text=True)
        self.token = csrf_token(text)
        self.lock = int(re.search(r'name="lock_version"[^>]*value="(\d+)"', text).group(1))
        self.definition = definition
        self.section = definition.sections[0]
        self.turn = 0

    def post(self):
        self.turn += 1
        answers = plausible_answers(self.definition, self.turn)
        data = answers_to_formdata(self.definition, answers, [self.section.id])
        data.update({"page": "0", "lock_version": str(self.lock), "csrf_token": self.token})
        response = self.client.post(self.url, data=data, headers={"Accept": "application/json"})
        if response.status_code == 200:
            self.lock = response.json["lock_version"]
        return response


# --- the run ------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    sample: Sample
    baseline: str
    baseline_sample: Sample


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def paragraphs_for(pages: int, render_plain) -> int:
    """A paragraph count that fills ``pages`` pages, its last page about half full."""

    def first_reaching(target: int) -> int:
        low, high = 1, 400
        while low < high:
            middle = (low + high) // 2
            if page_count(render_plain(middle)) >= target:
                high = middle
            else:
                low = middle + 1
        return low

    return (first_reaching(pages) + first_reaching(pages + 1) - 1) // 2


def machine_line() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Machine: {os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, WeasyPrint {version('weasyprint')}; "
        f"{dt.date.today():%d %B %Y}."
    )


def run(runs: int, pdf_runs: int) -> tuple[list[Row], dict[int, int], list[str]]:
    rows: list[Row] = []
    notes_out: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        app = build_app(scratch)
        with app.app_context():
            engine = db.engine
            therapist = User(
                email=THERAPIST_EMAIL,
                display_name="Dr. Robin Hale",
                password_hash=PASSWORD_HASH,
                role="therapist",
            )
            db.session.add(therapist)
            db.session.commit()
            therapist_id = therapist.id
        staff = signed_in_client(app, THERAPIST_EMAIL)

        trivial = f"static file {BASELINE_ROUTE}"
        one_line = "WeasyPrint one-line page"

        def static_file(client):
            return lambda: client.get(BASELINE_ROUTE)

        def weasyprint_one_line():
            return HTML(string="<p>Hello</p>").write_pdf()

        def add(what, action, runs, baseline, label, **options):
            sample, base = measure(action, runs, baseline, engine=engine, **options)
            rows.append(Row(what, sample, label, base))
            return sample

        dashboard_queries = {}
        seeded = 0
        for size in SIZES:
            start = time.perf_counter()
            with app.app_context():
                seed_caseload(therapist_id, size - seeded, start=seeded)
            seeded = size
            notes_out.append(f"seeded {size:,} couples in {time.perf_counter() - start:.1f} s")
            staff.get("/couples")  # warm: templates compiled, statements cached
            sample = add(
                f"dashboard, {size:,} couples",
                lambda: staff.get("/couples"),
                runs,
                static_file(staff),
                trivial,
            )
            dashboard_queries[size] = sample.query_count

        with app.app_context():
            therapist = db.session.get(User, therapist_id)
            showcase = seed_showcase(therapist)
            trust = current_library().exercise("trust-reflection")
        partner = signed_in_client(app, showcase.partner_email)
        partner.get("/portal")
        add(
            "portal home, a partner",
            lambda: partner.get("/portal"),
            runs,
            static_file(partner),
            trivial,
        )
        autosave = Autosave(partner, showcase.trust_assignment_id, trust)
        autosave.post()
        add("autosave, one exercise page", autosave.post, runs, static_file(partner), trivial)

        weasyprint_one_line()  # warm WeasyPrint
        with app.app_context():
            handouts = current_library().ordered()
            # A typical handout: the median by length.
            handout = sorted(handouts, key=lambda h: len(h.body))[len(handouts) // 2]
        handout_url = f"/library/{handout.slug}/pdf"
        cache = scratch / "pdf-cache"
        staff.get(handout_url)  # warm imports and fonts once
        cold = add(
            f"handout PDF, cold ({handout.slug})",
            lambda: staff.get(handout_url),
            pdf_runs,
            weasyprint_one_line,
            one_line,
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
        )
        cached = add(
            "same handout PDF, cached",
            lambda: staff.get(handout_url),
            runs * 5,
            weasyprint_one_line,
            one_line,
        )
        # Through the route, so the cached figure includes signing-in checks and the response.
        notes_out.append(f"cache speed-up through the route: {cold.median / cached.median:,.0f}x")
        with app.app_context():
            practice = current_practice()
            packet, base = measure(
                lambda: handout_pdf(handouts[:5], practice),
                max(3, pdf_runs // 3),
                weasyprint_one_line,
            )
        rows.append(Row("packet of 5 handouts, cold", packet, one_line, base))

        summary_url = f"/couples/{showcase.couple_id}/sessions/{showcase.note_id}/summary.pdf"
        pages = page_count(staff.get(summary_url).data)
        summary = add(
            f"session summary PDF, 2 charts, {pages} pages",
            lambda: staff.get(summary_url),
            pdf_runs,
            weasyprint_one_line,
            one_line,
        )
        with app.app_context():
            plain = app.jinja_env.from_string(PLAIN_PAGE)

            def render_plain(paragraphs: int) -> bytes:
                values = {"title": "Session summary", "paragraphs": paragraphs, "text": PARAGRAPH}
                return render_pdf(plain, values, practice=practice, ref="bench:plain")

            paragraphs = paragraphs_for(pages, render_plain)
            plain_sample, base = measure(
                lambda: render_plain(paragraphs), pdf_runs, weasyprint_one_line
            )
        rows.append(
            Row(
                f"plain paragraphs ({paragraphs}), same {pages} pages", plain_sample, one_line, base
            )
        )
        notes_out.append(
            f"summary / plain paragraphs of the same length: "
            f"{summary.median / plain_sample.median:.2f}x"
        )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return rows, dashboard_queries, notes_out


def table(rows: list[Row]) -> str:
    lines = [
        "| what | median ms | p95 ms | SQL queries | baseline (median ms) | ratio |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in rows:
        queries = row.sample.query_count
        base = row.baseline_sample
        lines.append(
            f"| {row.what} | {row.sample.median:.2f} | {row.sample.p95:.2f} | "
            f"{'' if queries is None else queries} | {row.baseline} ({base.median:.2f}) | "
            f"{row.sample.median / base.median:,.1f}x |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="requests per page measurement")
    parser.add_argument("--pdf-runs", type=int, default=15, help="renders per PDF measurement")
    args = parser.parse_args()

    started = time.perf_counter()
    rows, dashboard_queries, notes_out = run(args.runs, args.pdf_runs)
    print(table(rows))
    print()
    print(machine_line())
    for line in notes_out:
        print(line.capitalize())
    print(f"Whole run: {time.perf_counter() - started:.0f} s.")
    small, big = dashboard_queries[SIZES[0]], dashboard_queries[SIZES[-1]]
    if big > small:
        print(
            f"\n!!! FAIL: the dashboard sends {big} SQL statements at {SIZES[-1]:,} couples "
            f"but {small} at {SIZES[0]:,}: its query count grows with the caseload !!!",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
