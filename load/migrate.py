"""Schema migrations with Alembic: `councilplans db upgrade`, and every pipeline start."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from .views import drop_views


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("load").joinpath("migrations")))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op (one query) when it is already there."""
    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if current_revision(engine) == head:
        return
    try:
        with engine.begin() as conn:
            drop_views(conn)  # open_database creates them again over the new schema
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DBAPIError:
        # another run started at the same moment may have migrated first; that is fine
        if current_revision(engine) != head:
            raise


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
