"""Typed access to what :func:`syncserver.app.create_app` keeps on ``app.state``: settings, clock and id factory."""

from __future__ import annotations

from typing import cast

import psycopg_pool
from starlette.requests import HTTPConnection

from shared import clock as clock_mod
from syncserver import settings as settings_mod


def settings(conn: HTTPConnection) -> settings_mod.ServerSettings:
    """The server's settings (``app.state.settings``); read attributes, never ``getattr`` with a default."""
    value = conn.app.state.settings
    assert isinstance(value, settings_mod.ServerSettings), f"app.state.settings is a {type(value).__name__}"
    return value


def clock(conn: HTTPConnection) -> clock_mod.Clock:
    """The injected clock (``app.state.clock``, aware UTC in production): use it instead of ``datetime.now()``."""
    return cast(clock_mod.Clock, conn.app.state.clock)


def new_id(conn: HTTPConnection) -> clock_mod.IdFactory:
    """The injected id factory (``app.state.new_id``, UUIDv7 text in production)."""
    return cast(clock_mod.IdFactory, conn.app.state.new_id)


def read_pool(conn: HTTPConnection) -> psycopg_pool.AsyncConnectionPool:
    """The pool for HQ's read-only pages: the replica's (``hq_read_url``) when set, else the primary's.

    Only for reads: a hot standby refuses every write (``ReadOnlySqlTransaction``)."""
    return cast(psycopg_pool.AsyncConnectionPool, conn.app.state.read_pool)
