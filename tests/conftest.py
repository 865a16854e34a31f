"""Shared fixtures: the samples ingested once per session into a real SQLite file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from councilplans.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "realworld" / "pdfs"


def needs_shared():
    return pytest.mark.skipif(not REALWORLD.is_dir(), reason="../shared/realworld is not present in this clone")


@pytest.fixture(scope="session")
def samples_cache(tmp_path_factory) -> Path:
    """The pipeline's extraction cache for the samples, filled by samples_db."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory, samples_cache) -> str:
    """Every bundled sample loaded into a fresh SQLite database (the `make pipeline` job)."""
    db = tmp_path_factory.mktemp("db") / "samples.db"
    url = f"sqlite:///{db}"
    summary = run_pipeline(SAMPLES, url, workers=2, cache_dir=samples_cache)
    assert summary.failed == 0, summary.errors
    return url


def copy_at_revision(url: str, target: Path, revision: str) -> str:
    """A copy of a SQLite database taken down to an older schema revision: a user's file from before."""
    from alembic import command

    from load.migrate import alembic_config
    from load.views import drop_views

    shutil.copy(url.removeprefix("sqlite:///"), target)
    engine = create_engine(f"sqlite:///{target}")
    with engine.begin() as conn:
        drop_views(conn)
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    engine.dispose()
    return f"sqlite:///{target}"


def db_rows(url: str, sql: str, **params) -> list[dict]:
    """The rows of a query as dicts, on a fresh engine (the database may be another process's)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        out = [dict(r) for r in conn.execute(text(sql), params).mappings()]
    engine.dispose()
    return out
