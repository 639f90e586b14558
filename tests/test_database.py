"""The database layer: schema from migrations, SQLite settings, concurrent writers."""

import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from clinic.extensions import db


def test_migrations_build_exactly_the_models_schema(app):
    # The test database was built by `flask db upgrade`; a model change without a
    # migration shows up here as a difference.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def sqlite_engine(path):
    from clinic.db import configure_sqlite

    engine = create_engine(f"sqlite:///{path}")
    configure_sqlite(engine, busy_timeout_ms=30_000)
    return engine


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = sqlite_engine(tmp_path / "p.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def increment_many(path, times):
    engine = sqlite_engine(path)
    for _ in range(times):
        with engine.begin() as conn:
            value = conn.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
            conn.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})
    engine.dispose()


def test_concurrent_sqlite_writers_lose_no_update(tmp_path):
    # Read-modify-write from several processes at once: with deferred BEGIN two writers
    # read the same value and one update is lost (or "database is locked" is raised).
    path = tmp_path / "counter.db"
    engine = sqlite_engine(path)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    workers, times = 4, 150
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=increment_many, args=(path, times)) for _ in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * workers
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM counter")).scalar_one() == workers * times


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from clinic.couples.models import Couple

    db.session.add(Couple(therapist_id=987654, label="orphan"))
    try:
        db.session.commit()
        raised = False
    except IntegrityError:
        db.session.rollback()
        raised = True
    assert raised
