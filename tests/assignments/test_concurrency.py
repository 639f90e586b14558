"""Many autosaves from several processes at once, on SQLite and PostgreSQL: every save
that was acknowledged is counted in the lock version, and none overwrote another unseen."""

import multiprocessing

from sqlalchemy import select

from clinic.assignments.models import Response
from clinic.assignments.responses import start_draft
from clinic.assignments.services import assign_items
from clinic.extensions import db
from clinic.library.services import current_library

WORKERS = 4
SAVES_EACH = 15


def autosave_worker(database_url, outbox, response_id, worker, queue):
    from clinic import create_app
    from clinic.assignments import responses
    from tests.conftest import base_config

    app = create_app(base_config(database_url, outbox))
    acknowledged = []
    with app.app_context():
        for n in range(SAVES_EACH):
            while True:
                response = db.session.get(Response, response_id)
                seen = response.lock_version
                answers = {"showed_up": f"worker {worker} save {n}"}
                try:
                    responses.save_draft(response, answers, seen)
                    db.session.commit()
                    acknowledged.append((seen + 1, answers["showed_up"]))
                    break
                except responses.StaleDraft:
                    db.session.rollback()
        db.engine.dispose()
    queue.put(acknowledged)


def test_concurrent_autosaves_lose_no_acknowledged_write(app, world, database_url, outbox_dir):
    (assignment,) = assign_items(
        world.couple, [("exercise", "trust-reflection")], None, None, "", world.therapist
    )
    db.session.flush()
    definition = current_library().exercise("trust-reflection")
    response = start_draft(assignment, world.partner_a, definition)
    db.session.flush()
    response_id = response.id
    # Commit and touch no ORM object until the workers are done: on SQLite a refresh
    # would begin a transaction here that holds the write lock.
    db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    processes = [
        ctx.Process(
            target=autosave_worker, args=(database_url, str(outbox_dir), response_id, n, queue)
        )
        for n in range(WORKERS)
    ]
    for p in processes:
        p.start()
    results = [queue.get(timeout=180) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * WORKERS

    acknowledged = sorted(a for worker in results for a in worker)
    assert len(acknowledged) == WORKERS * SAVES_EACH
    # Each acknowledged save took the next version: no two saves both "won" one version.
    assert [version for version, _text in acknowledged] == list(range(1, WORKERS * SAVES_EACH + 1))
    db.session.expire_all()
    stored = db.session.execute(select(Response).where(Response.id == response_id)).scalar_one()
    assert stored.lock_version == WORKERS * SAVES_EACH
    assert stored.answers["showed_up"] == acknowledged[-1][1]
