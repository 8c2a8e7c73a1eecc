"""The injected clock and id factory: the one place production code reads the wall clock or makes an event id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import uuid6

Clock = Callable[[], datetime]
"""Returns the current time as an aware ``datetime``. Tests pass a clock they move by hand."""

IdFactory = Callable[[], str]
"""Returns a new unique id as text (UUIDv7 in production, DESIGN.md §3)."""


def system_clock() -> datetime:
    """The machine's local time, aware (the terminal prints local times)."""
    return datetime.now().astimezone()


def utc_clock() -> datetime:
    """The machine's time in UTC, aware (the server stores and compares UTC)."""
    return datetime.now(UTC)


def new_uuid7() -> str:
    """A new UUIDv7 as text: time-ordered, so ids sort by creation (RFC 9562)."""
    return str(uuid6.uuid7())
