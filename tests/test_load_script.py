"""`make load` in miniature: gunicorn on a SQLite file, a few partners and a therapist for
a few seconds, then every acknowledged save and submission looked up in the database."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTE_ROW = re.compile(
    r"^\s+(?P<route>(GET|POST) \S+(?: \(\w+\))?)\s+(?P<count>\d+)\s+[\d.]+"
    r"\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+(?P<errors>\d+)$",
    re.MULTILINE,
)
CHECK_LINE = re.compile(
    r"acknowledged saves: (\d+), found: (\d+); submissions: (\d+), found: (\d+)"
)


def test_a_short_load_run_on_sqlite_loses_nothing_and_answers_every_request():
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "load.py"),
            "--seconds",
            "4",
            "--partners",
            "4",
            "--therapists",
            "1",
            "--workers",
            "2",
            "--threads",
            "2",
            "--think",
            "0.05",
            "--sqlite-only",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report

    rows = {m["route"]: (int(m["count"]), int(m["errors"])) for m in ROUTE_ROW.finditer(report)}
    for route in (
        "POST /sign-in",
        "GET /portal",
        "GET /portal/assignments/<id>/exercise",
        "POST /portal/assignments/<id>/autosave",
        "POST /portal/assignments/<id>/exercise (submit)",
        "GET /couples",
    ):
        assert rows.get(route, (0, 0))[0] > 0, f"{route} never requested:\n{report}"
    assert all(errors == 0 for _count, errors in rows.values()), report
    assert re.search(
        r"total: \d+ requests in [\d.]+ s, [\d.]+ requests/s, errors: 0$", report, re.M
    )

    saves, found_saves, submissions, found_submissions = map(
        int, CHECK_LINE.search(report).groups()
    )
    assert saves > 0 and found_saves == saves, report
    assert submissions > 0 and found_submissions == submissions, report
    assert "sign-in limit per address raised" in report
    assert "SQLite: OK" in report
