"""Bulk inserts that row-level security allows (``COPY FROM`` is refused on RLS tables): one
``INSERT ... SELECT FROM unnest(arrays)`` statement per table, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from psycopg import AsyncCursor

Row = TypeVar("Row")


async def insert(cur: AsyncCursor[Row], table: str, columns: Sequence[tuple[str, str]],
                 rows: Sequence[Sequence[object]], *, suffix: str = "") -> None:
    """Insert ``rows`` into ``table``. ``columns`` are ``(name, postgres type)``; ``jsonb`` values are JSON text.

    ``cur`` may have any row factory (``RETURNING`` rows are the caller's to fetch). ``suffix`` is appended to the
    statement (e.g. ``ON CONFLICT DO NOTHING``).
    """
    if not rows:
        return
    arrays = [list(col) for col in zip(*rows, strict=True)]
    # %b: arrays go in binary; as text, psycopg quotes and escapes every element (most of the cost for JSON)
    source = ", ".join(f"%b::{'text' if kind == 'jsonb' else kind}[]" for _name, kind in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    select = ", ".join(f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, (_n, kind) in enumerate(columns))
    names = ", ".join(name for name, _kind in columns)
    await cur.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM unnest({source}) AS u({aliases}) {suffix}",
                      arrays)
