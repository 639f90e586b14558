"""`make load`: the app under gunicorn, on SQLite and on PostgreSQL, with simulated partners
signing in, saving drafts as they type and submitting, and therapists opening dashboards.

Run: .venv/bin/python benchmarks/load.py [--seconds 60] [--partners 50] [--sqlite-only]

For each database: a throw-away database (a SQLite file in a temporary folder; a PostgreSQL
database created and dropped on 127.0.0.1), the schema from the real migrations, therapists
and couples seeded through the app's own models and services, gunicorn with several workers
on a free port of 127.0.0.1. Then the simulated people run for the given time (threads,
standard library only, 127.0.0.1 only). Afterwards, with the server stopped, every
acknowledged save and submission is looked up in the database.

Prints requests per second and p50/p95/p99 latency per route, the errors (any answer a real
browser would not expect, including 409 conflicts and connection errors) and the check.
Exits non-zero on any error or any loss, or when PostgreSQL is unreachable (unless
--sqlite-only).
"""

import argparse
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_users import PartnerPlan, TherapistPlan, run_people  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
PASSWORD = "load test pass phrase 2026"  # noqa: S105  (throw-away accounts in a temporary database)
# Raised for the run: every simulated person signs in from 127.0.0.1.
ADDRESS_LIMIT = "10000 per minute"
# Short ones first, so a run of a few seconds still submits something.
EXERCISES = (
    "csi-4",
    "who-5",
    "gentle-start-up-rewrite",
    "love-map-questions",
    "fondness-admiration-list",
    "i-feel-practice-log",
    "love-language-discovery",
    "ritual-of-connection",
    "trust-reflection",
    "shared-meaning-reflection",
    "positive-perspective-reframe",
    "dreams-within-conflict",
    "safe-space-commitments",
    "commitment-reflection",
    "self-protective-walls-check",
    "house-checkup",
)
ROUTE_ORDER = (
    "GET /sign-in",
    "POST /sign-in",
    "GET /portal",
    "GET /portal/assignments/<id>",
    "GET /portal/assignments/<id>/exercise",
    "POST /portal/assignments/<id>/autosave",
    "POST /portal/assignments/<id>/exercise (next)",
    "POST /portal/assignments/<id>/exercise (submit)",
    "GET /portal/assignments/<id>/result",
    "GET /couples",
    "GET /couples/<id>",
    "GET /couples/<id>/assignments/<id>",
)


class Cleanup:
    """Things to undo, run once: on success, on an exception, on Ctrl-C, on the hard
    timeout."""

    def __init__(self):
        self.lock = threading.Lock()
        self.steps: list = []

    def push(self, step) -> None:
        with self.lock:
            self.steps.append(step)

    def run(self) -> None:
        with self.lock:
            steps, self.steps = self.steps[::-1], []
        for step in steps:
            try:
                step()
            except Exception as err:  # keep cleaning up whatever one step did
                print(f"  cleanup: {type(err).__name__}: {err}", file=sys.stderr)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long people work")
    parser.add_argument("--partners", type=int, default=50, help="simulated partners")
    parser.add_argument("--therapists", type=int, default=3, help="therapists at dashboards")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    parser.add_argument("--think", type=float, default=0.3, help="mean seconds between actions")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LOAD_PG_URL", DEFAULT_PG_URL),
        help="a PostgreSQL server on 127.0.0.1 where a throw-away database may be created "
        "(env LOAD_PG_URL; default %(default)s)",
    )
    parser.add_argument("--request-timeout", type=float, default=30)
    parser.add_argument("--hard-timeout", type=float, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.partners < 1 or args.seconds <= 0 or args.workers < 1 or args.threads < 1:
        parser.error("--partners, --seconds, --workers and --threads must be positive")
    args.therapists = max(1, args.therapists)
    backends = 1 if args.sqlite_only else 2
    args.hard_timeout = args.hard_timeout or backends * (args.seconds + 180) + 30
    return args


# -- databases -------------------------------------------------------------------------


def pg_admin_url(raw: str):
    from sqlalchemy.engine import make_url

    from clinic.config import normalise_database_url

    url = make_url(normalise_database_url(raw))
    if url.get_backend_name() != "postgresql" or url.host not in LOCAL_HOSTS:
        raise SystemExit(f"--pg-url must be a PostgreSQL server on 127.0.0.1, not {url!r}")
    return url.set(host="127.0.0.1")


def pg_server_version(admin_url) -> str:
    """The server's version; raises when PostgreSQL cannot be reached."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


def create_pg_database(admin_url, cleanup: Cleanup) -> str:
    from sqlalchemy import create_engine, text

    name = f"clinic_load_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
        print(f"  dropped PostgreSQL database {name}")

    cleanup.push(drop)
    print(f"  created PostgreSQL database {name}")
    return admin_url.set(database=name).render_as_string(hide_password=False)


def server_env(database_url: str, workdir: Path) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # rate-limit counters stay in each worker: nothing off-host
    env.update(
        {
            "FLASK_APP": "clinic",
            "CLINIC_ENV": "development",  # session cookie not Secure over plain http
            "CLINIC_SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "CLINIC_OUTBOX_DIR": str(workdir / "outbox"),
            "CLINIC_SIGN_IN_ADDRESS_LIMIT": ADDRESS_LIMIT,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def migrate(env: dict, log: Path) -> None:
    """The schema from the real migrations, as a deployment applies them."""
    with log.open("ab") as out:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "clinic", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=180,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed; see {log}:\n{log.read_text()[-2000:]}")


def seed(env: dict, partners: int, therapists: int):
    """Therapists, couples of two partners who have joined, every exercise in EXERCISES
    assigned to both partners of every couple. Returns the plans and the definitions."""
    from clinic import create_app
    from clinic.accounts.models import User
    from clinic.assignments.services import assign_items
    from clinic.couples.models import Couple, Partner
    from clinic.extensions import db
    from clinic.library.services import current_library
    from clinic.security import hash_password

    app = create_app(
        {
            "ENV": "development",
            "SECRET_KEY": env["CLINIC_SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "OUTBOX_DIR": env["CLINIC_OUTBOX_DIR"],
        }
    )
    with app.app_context():
        library = current_library()
        definitions = {slug: library.exercise(slug) for slug in EXERCISES}
        absent = [slug for slug, d in definitions.items() if d is None]
        if absent:
            raise RuntimeError(f"exercises missing from handouts/: {', '.join(absent)}")
        password_hash = hash_password(PASSWORD)
        staff = []
        for number in range(min(therapists, (partners + 1) // 2)):  # each with a couple
            staff.append(
                User(
                    email=f"therapist{number}@load.example",
                    display_name=f"Therapist {number}",
                    role="therapist",
                    password_hash=password_hash,
                )
            )
        db.session.add_all(staff)
        people = []
        given: dict[int, list[tuple[int, str]]] = {}  # couple id -> its assignments
        for couple_no in range((partners + 1) // 2):
            therapist = staff[couple_no % len(staff)]
            couple = Couple(therapist=therapist, label=f"Load couple {couple_no:03d}")
            for position in (1, 2):
                number = couple_no * 2 + position - 1
                if number >= partners:
                    break
                email = f"partner{number}@load.example"
                partner = Partner(position=position, display_name=f"Partner {number}", email=email)
                partner.user = User(
                    email=email,
                    display_name=f"Partner {number}",
                    role="client",
                    password_hash=password_hash,
                )
                couple.partners.append(partner)
                people.append(partner)
            db.session.add(couple)
            db.session.flush()
            created = assign_items(
                couple, [("exercise", slug) for slug in EXERCISES], None, None, "", therapist
            )
            given[couple.id] = [(a.id, a.item_slug) for a in created]
        db.session.commit()
        plans = [PartnerPlan(p.email, PASSWORD, p.id, list(given[p.couple_id])) for p in people]
        staff_plans = [TherapistPlan(u.email, PASSWORD) for u in staff]
        db.session.remove()
        db.engine.dispose()
    return app, plans, staff_plans, definitions


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, workers, threads, log: Path, cleanup: Cleanup):
    out = log.open("ab")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "clinic:create_app()",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    cleanup.push(lambda: (stop_server(server), out.close()))
    return server


def stop_server(server) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def wait_until_ready(server, base: str, log: Path, within: float = 90) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with opener.open(base + "/sign-in", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {within:.0f} s; see {log}")


# -- the check and the report -------------------------------------------------------------


def check_database(app, ledgers):
    """Look up every acknowledged save and submission in the database, the server stopped."""
    from sqlalchemy import select

    from clinic.assignments.models import Response
    from clinic.extensions import db

    saves = found_saves = submissions = found_submissions = 0
    problems: list[str] = []
    with app.app_context():
        rows = {}
        for row in db.session.execute(select(Response)).scalars():
            key = (row.assignment_id, row.partner_id)
            if key in rows:
                problems.append(f"response {key}: more than one version")
            rows[key] = row
        for key, ledger in ledgers.items():
            row = rows.get(key)
            stored_lock = row.lock_version if row is not None else -1
            for lock, _answers in ledger.saves:
                saves += 1
                found_saves += stored_lock >= lock
            if ledger.submitted is not None:
                submissions += 1
                if (
                    row is not None
                    and row.status == "submitted"
                    and row.submitted_at is not None
                    and row.answers == ledger.submitted
                ):
                    found_submissions += 1
                else:
                    problems.append(f"assignment {key[0]}, partner {key[1]}: submission lost")
            elif ledger.saves:
                last_lock, last_answers = ledger.saves[-1]
                if row is None or row.status != "draft" or row.answers != last_answers:
                    found_saves -= stored_lock >= last_lock  # its text is not what is stored
                    problems.append(
                        f"assignment {key[0]}, partner {key[1]}: the last acknowledged draft "
                        f"(lock {last_lock}) is not what is stored"
                    )
                elif stored_lock != last_lock:
                    problems.append(
                        f"assignment {key[0]}, partner {key[1]}: stored lock {stored_lock}, "
                        f"last acknowledged {last_lock}"
                    )
            elif row is not None and (row.answers or row.status != "draft"):
                problems.append(f"assignment {key[0]}, partner {key[1]}: unacknowledged answers")
        db.session.remove()
        db.engine.dispose()
    return saves, found_saves, submissions, found_submissions, problems


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * share // 100))
    return ordered[int(rank) - 1]


def print_table(recorder, elapsed: float) -> int:
    by_route: dict[str, list] = {}
    for sample in recorder.samples:
        by_route.setdefault(sample.route, []).append(sample)
    routes = [r for r in ROUTE_ORDER if r in by_route] + sorted(set(by_route) - set(ROUTE_ORDER))
    width = max([len(r) for r in routes] + [5])
    print(f"  {'route':<{width}} {'count':>7} {'rps':>7} {'p50':>8} {'p95':>8} {'p99':>8} errors")
    errors = 0
    for route in routes:
        samples = by_route[route]
        latencies = sorted(s.ms for s in samples)
        bad = sum(not s.ok for s in samples)
        errors += bad
        print(
            f"  {route:<{width}} {len(samples):>7} {len(samples) / elapsed:>7.1f} "
            f"{percentile(latencies, 50):>8.1f} {percentile(latencies, 95):>8.1f} "
            f"{percentile(latencies, 99):>8.1f} {bad:>6}"
        )
    total = len(recorder.samples)
    everything = sorted(s.ms for s in recorder.samples)
    print(
        f"  {'all routes':<{width}} {total:>7} {total / elapsed:>7.1f} "
        f"{percentile(everything, 50):>8.1f} {percentile(everything, 95):>8.1f} "
        f"{percentile(everything, 99):>8.1f} {errors:>6}"
    )
    print("  (latency in ms)")
    print(
        f"  total: {total} requests in {elapsed:.1f} s, {total / elapsed:.1f} requests/s, ", end=""
    )
    print(f"errors: {errors}")
    return errors


# -- one database ----------------------------------------------------------------------


def run_backend(name: str, database_url: str, args, stop, cleanup: Cleanup) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="clinic-load-"))
    cleanup.push(lambda: shutil.rmtree(workdir, ignore_errors=True))
    log = workdir / "server.log"
    env = server_env(database_url, workdir)
    started = time.monotonic()
    migrate(env, log)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The workers start while the data is seeded: they touch the database only on requests.
    server = start_gunicorn(env, port, args.workers, args.threads, log, cleanup)
    app, partners, therapists, definitions = seed(env, args.partners, args.therapists)
    wait_until_ready(server, base, log)
    print(
        f"  ready in {time.monotonic() - started:.1f} s: {len(partners)} partners in "
        f"{(len(partners) + 1) // 2} couples, {len(therapists)} therapists, "
        f"{len(EXERCISES)} exercises each; gunicorn {args.workers} workers x "
        f"{args.threads} threads on {base}"
    )
    recorder, ledgers, elapsed, stuck = run_people(
        base,
        partners,
        therapists,
        definitions,
        args.seconds,
        args.think,
        args.request_timeout,
        args.seed,
        stop,
    )
    stop_server(server)
    if server.returncode not in (0, -signal.SIGTERM):
        recorder.problem(f"gunicorn exited with {server.returncode}")
    print(f"== {name}: {args.seconds:g} s, {len(partners)} partners, {len(therapists)} therapists")
    errors = print_table(recorder, elapsed)
    saves, found_saves, submissions, found_submissions, problems = check_database(app, ledgers)
    print(
        f"  acknowledged saves: {saves}, found: {found_saves}; "
        f"submissions: {submissions}, found: {found_submissions}"
    )
    for text in recorder.problems + problems[:15]:
        print(f"  problem: {text}")
    if recorder.problem_count > len(recorder.problems):
        print(f"  ... and {recorder.problem_count - len(recorder.problems)} more")
    if errors or problems or recorder.problem_count:
        print_last_traceback(log)
    lost = saves - found_saves + submissions - found_submissions
    ok = not errors and not lost and not problems and not recorder.problem_count and not stuck
    print(f"  {name}: {'OK' if ok else 'FAILED'}")
    return ok


def print_last_traceback(log: Path) -> None:
    """Where the server failed: the app frames and the error of its last traceback."""
    lines = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    if not starts:
        return
    block = lines[starts[-1] :]
    end = next((i for i, line in enumerate(block[1:], 1) if not line.startswith(" ")), 0)
    frames = [line for line in block[1:end] if "/clinic/" in line]
    for line in [*frames[-6:], *block[end : end + 1]]:
        print(f"  server log: {line.strip()}")


def machine(pg_version: str | None) -> None:
    import gunicorn

    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; "
        f"PostgreSQL {pg_version or 'not used'}; gunicorn {gunicorn.__version__}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    stop = threading.Event()
    cleanup = Cleanup()
    pg_version = None
    admin_url = None
    if not args.sqlite_only:
        admin_url = pg_admin_url(args.pg_url)
        try:
            pg_version = pg_server_version(admin_url)
        except Exception as err:
            print(
                f"PostgreSQL is not reachable at {admin_url!r} ({type(err).__name__}: {err}).\n"
                "Start it, point --pg-url or LOAD_PG_URL at it, or run with --sqlite-only.",
                file=sys.stderr,
            )
            return 2
    machine(pg_version)
    print(
        f"sign-in limit per address raised to {ADDRESS_LIMIT!r} for this run (all from 127.0.0.1)"
    )

    def give_up():
        print(f"hard timeout of {args.hard_timeout:.0f} s reached: stopping", file=sys.stderr)
        stop.set()
        cleanup.run()
        os._exit(3)

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    # Also when started with SIGINT ignored (a background job) or stopped with SIGTERM.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    watchdog = threading.Timer(args.hard_timeout, give_up)
    watchdog.daemon = True
    watchdog.start()
    results = []
    try:
        print("== SQLite (a file in a temporary folder; WAL)")
        results.append(run_sqlite(args, stop, cleanup))
        cleanup.run()
        if admin_url is not None:
            print(f"== PostgreSQL {pg_version} (a throw-away database on 127.0.0.1)")
            url = create_pg_database(admin_url, cleanup)
            results.append(run_backend("PostgreSQL", url, args, stop, cleanup))
            cleanup.run()
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr)
        stop.set()
        cleanup.run()
        return 130
    except Exception:
        traceback.print_exc()
        print("load run failed before its report: cleaning up", file=sys.stderr)
        return 1
    finally:
        stop.set()
        cleanup.run()
        watchdog.cancel()
    return 0 if results and all(results) else 1


def run_sqlite(args, stop, cleanup) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="clinic-load-sqlite-"))
    cleanup.push(lambda: shutil.rmtree(folder, ignore_errors=True))
    return run_backend("SQLite", f"sqlite:///{folder / 'load.db'}", args, stop, cleanup)


if __name__ == "__main__":
    sys.exit(main())
