"""Schema migrations of a terminal journal file, with alembic; skipped quickly when already at head."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_HEAD = "0023"
"""The newest alembic revision in ``migrations/versions`` (a test keeps the two in step)."""


def current_revision(conn: sqlite3.Connection) -> str | None:
    """The alembic revision stamped in the file, or None for a new file."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
    if row is None:
        return None
    version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return version[0] if version else None


def upgrade(path: Path) -> None:
    """Bring the journal at ``path`` to the newest schema (alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
