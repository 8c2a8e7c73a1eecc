"""Create or upgrade the master schema (alembic) and hand out the application role's connection URL."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

APP_ROLE = "almacen_app"


def migrate(admin_url: str) -> None:
    """``alembic upgrade head`` on the database of ``admin_url`` (a role that may create tables and roles)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parents[1] / "migrations"))
    url = make_conninfo(admin_url)
    params = conninfo_to_dict(url)
    sa_url = "postgresql+psycopg://"
    engine = create_engine(sa_url, connect_args=params)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def app_url(admin_url: str, password: str | None = None) -> str:
    """The URL the server connects with: role ``almacen_app`` (no superuser, no table ownership, no BYPASSRLS).

    Sets the role's password (a new random one unless given) using the admin connection.
    """
    password = password or secrets.token_urlsafe(24)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            psycopg.sql.Identifier(APP_ROLE), psycopg.sql.Literal(password)))
    params = conninfo_to_dict(admin_url)
    params.update(user=APP_ROLE, password=password)
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})
