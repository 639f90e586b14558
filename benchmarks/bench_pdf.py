"""How long a handout PDF takes: rendered cold, served from the cache, and WeasyPrint's floor.

Run: .venv/bin/python benchmarks/bench_pdf.py [--runs N]
Uses the real handouts in handouts/, a throwaway cache folder and no database.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import HTML  # noqa: E402

from clinic import PROJECT_ROOT, create_app  # noqa: E402
from clinic.library.content import load_library  # noqa: E402
from clinic.reports.cache import cached_handout_pdf  # noqa: E402
from clinic.reports.handouts import handout_pdf  # noqa: E402
from clinic.reports.render import practice_context  # noqa: E402


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="renders per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "ENV": "testing",
                "TESTING": True,
                "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "OUTBOX_DIR": str(Path(scratch) / "outbox"),
                "PDF_CACHE_DIR": str(Path(scratch) / "pdf-cache"),
            }
        )
        library = load_library(PROJECT_ROOT / "handouts")
        handouts = library.ordered()
        # A typical handout: the median by length.
        handout = sorted(handouts, key=lambda h: len(h.body))[len(handouts) // 2]
        with app.app_context():
            practice = practice_context(None)
            handout_pdf([handout], practice)  # warm imports and fonts once

            cold = median_ms(lambda: handout_pdf([handout], practice), args.runs)
            cached_handout_pdf(handout, practice)  # fills the cache
            cached = median_ms(lambda: cached_handout_pdf(handout, practice), args.runs * 20)
            packet = median_ms(lambda: handout_pdf(handouts[:5], practice), max(3, args.runs // 3))
        baseline = median_ms(lambda: HTML(string="<p>Hello</p>").write_pdf(), args.runs)

    rows = [
        (f"handout PDF rendered cold ({handout.slug})", cold, args.runs),
        ("same handout served from the cache", cached, args.runs * 20),
        ("packet of 5 handouts rendered cold", packet, max(3, args.runs // 3)),
        ("WeasyPrint baseline: one-line page", baseline, args.runs),
    ]
    print("| measurement | median ms | runs |")
    print("| --- | ---: | ---: |")
    for label, value, runs in rows:
        print(f"| {label} | {value:.2f} | {runs} |")
    print(f"\ncache speed-up: {cold / cached:,.0f}x (target: at least 50x)")


if __name__ == "__main__":
    main()
