"""The change feed terminals pull: each tenant's numbered changes (catalog, folio leases, settings), tenant-wide or
for one store.

A change id never appears after a terminal read past it: each tenant's ``change_counters`` row is locked by the
transaction that appends, so change ids commit in id order per tenant.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.rows import class_row

from syncserver.store import bulk, db


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the feed; ``data`` is the JSON object the terminal applies for ``kind``/``key``."""

    id: int
    kind: str
    key: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The wire shape of ``GET /sync/pull``."""
        return {"id": self.id, "kind": self.kind, "key": self.key, "data": self.data}


async def append_change(conn: db.Conn, tenant_id: int, kind: str, key: str, data: dict[str, Any],
                        store_id: str | None = None) -> int:
    """Add a change (for ``store_id`` only, or tenant-wide when None) inside the caller's transaction; returns its
    id. Holds the tenant's counter row locked until the transaction ends."""
    cur = await conn.execute(
        "INSERT INTO change_counters (tenant_id, last_change_id) VALUES (%s, 1) ON CONFLICT (tenant_id)"
        " DO UPDATE SET last_change_id = change_counters.last_change_id + 1 RETURNING last_change_id",
        (tenant_id,))
    row = await cur.fetchone()
    assert row is not None  # INSERT ... RETURNING always returns the row
    change_id = int(row[0])
    await conn.execute("INSERT INTO changes (tenant_id, change_id, kind, key, store_id, data)"
                       " VALUES (%s, %s, %s, %s, %s, %s)",
                       (tenant_id, change_id, kind, key, store_id, json.dumps(data, ensure_ascii=False)))
    return change_id


async def read(conn: db.Conn, tenant_id: int, store_id: str, cursor: int, limit: int) -> list[Change]:
    """At most ``limit`` changes after ``cursor`` that ``store_id`` receives (tenant-wide ones and its own), but a
    folio lease retired since it was published (a restored till gave it up, or its epoch ended): a till whose cursor
    is behind, e.g. restored from a copy, never takes up again folios it may have used before it was lost."""
    cur = conn.cursor(row_factory=class_row(Change))
    await cur.execute(
        "SELECT c.change_id AS id, c.kind, c.key, c.data FROM changes c WHERE c.tenant_id = %s AND c.change_id > %s"
        " AND (c.store_id IS NULL OR c.store_id = %s) AND NOT (c.kind = 'folio_lease' AND EXISTS (SELECT 1 FROM"
        " folio_leases l WHERE l.tenant_id = c.tenant_id AND l.lease_id = (c.data->>'lease_id')::bigint"
        " AND l.retired_at IS NOT NULL)) ORDER BY c.change_id LIMIT %s", (tenant_id, cursor, store_id, limit))
    return await cur.fetchall()


GENERATION_KIND = "feed_restored"
"""The kind of the marker row a restore of the master appends to each tenant's feed (``syncserver.backups``):
``store_id`` ``''`` (no store has that id: never delivered to a till, found by the ``changes_by_store`` index), data
``{"generation": int, "dump_last": the last change id the dump held, "restored_at": ISO time}``."""
ID_BITS = 32
"""A till's cursor is ``generation << ID_BITS | change id``; generation 0 (never restored) is the bare id."""


@dataclass(frozen=True, slots=True)
class Generation:
    """The feed's generation (0: the master was never restored) and the last change id its dump held."""

    number: int
    dump_last: int


async def generation(conn: db.Conn, tenant_id: int) -> Generation:
    """The tenant's feed generation: that of its newest restore marker (:data:`GENERATION_KIND`), or 0."""
    row = await (await conn.execute(
        "SELECT (data->>'generation')::bigint, (data->>'dump_last')::bigint FROM changes WHERE tenant_id = %s"
        " AND store_id = '' AND kind = %s ORDER BY change_id DESC LIMIT 1", (tenant_id, GENERATION_KIND))).fetchone()
    return Generation(0, 0) if row is None else Generation(int(row[0]), int(row[1]))


async def resume_from(conn: db.Conn, tenant_id: int, cursor: int, current: Generation) -> int:
    """The change id to read after for a till's ``cursor``. A cursor of the current generation goes on. One of an
    earlier generation this feed descends from (0, or one whose marker it holds) goes on from what both feeds share:
    its id, but at most the last id the restored dump held (ids after it may be changes the restore lost, or new
    ones the till has not seen). One of a generation this feed does not know starts over (id 0)."""
    number, change_id = cursor >> ID_BITS, cursor & ((1 << ID_BITS) - 1)
    if number == current.number:
        return change_id
    if number != 0:
        known = await (await conn.execute(
            "SELECT 1 FROM changes WHERE tenant_id = %s AND store_id = '' AND kind = %s"
            " AND (data->>'generation')::bigint = %s", (tenant_id, GENERATION_KIND, number))).fetchone()
        if known is None:
            return 0
    return min(change_id, current.dump_last)


async def pull(pool: db.Pool, tenant_id: int, store_id: str, cursor: int, limit: int = 500
               ) -> tuple[list[dict[str, Any]], int]:
    """:func:`read` in its own transaction, in the wire shape, with the cursor to ask from next time: the feed's
    generation and the last id read (:data:`ID_BITS`), so a till whose cursor is of another generation (the master
    was restored since it last pulled) reads again what the restored feed may hold that it has not seen
    (:func:`resume_from`), instead of skipping the ids it already passed in the lost feed."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        current = await generation(conn, tenant_id)
        after = await resume_from(conn, tenant_id, cursor, current)
        changes = await read(conn, tenant_id, store_id, after, limit)
    last = changes[-1].id if changes else after
    return [c.to_dict() for c in changes], current.number << ID_BITS | last


async def _reserve(conn: db.Conn, tenant_id: int, count: int) -> int:
    """Move the tenant's counter by ``count`` (its row locked until the transaction ends); returns the last id."""
    cur = await conn.execute(
        "INSERT INTO change_counters (tenant_id, last_change_id) VALUES (%s, %s) ON CONFLICT (tenant_id)"
        " DO UPDATE SET last_change_id = change_counters.last_change_id + excluded.last_change_id"
        " RETURNING last_change_id", (tenant_id, count))
    row = await cur.fetchone()
    assert row is not None  # INSERT ... RETURNING always returns the row
    return int(row[0])


async def append_many(conn: db.Conn, tenant_id: int, changes: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
    """Add tenant-wide ``(kind, key, data)`` changes in their order with one statement, inside the caller's
    transaction; returns the last id (0 for none)."""
    if not changes:
        return 0
    last = await _reserve(conn, tenant_id, len(changes))
    first = last - len(changes) + 1
    async with conn.cursor() as cur:
        await bulk.insert(cur, "changes", _CHANGE_COLUMNS, [
            (tenant_id, first + n, kind, key, json.dumps(data, ensure_ascii=False))
            for n, (kind, key, data) in enumerate(changes)])
    return last


_CHANGE_COLUMNS = [("tenant_id", "bigint"), ("change_id", "bigint"), ("kind", "text"), ("key", "text"),
                   ("data", "jsonb")]


async def append_selected(conn: db.Conn, tenant_id: int, kind: str, count: int, rows_sql: str,
                          params: dict[str, Any]) -> int:
    """Add ``count`` tenant-wide changes whose ``(ord, key, data)`` come from the query ``rows_sql`` (``ord`` 0 to
    ``count - 1``, the order of the changes; ``data`` jsonb), inside the caller's transaction; returns the last id.
    The data never leaves PostgreSQL (an import publishes what it just wrote)."""
    if count <= 0:
        return 0
    last = await _reserve(conn, tenant_id, count)
    cur = await conn.execute(
        "INSERT INTO changes (tenant_id, change_id, kind, key, data) SELECT %(cf_tenant)s,"
        f" %(cf_first)s + r.ord, %(cf_kind)s, r.key, r.data FROM ({rows_sql}) AS r",
        {**params, "cf_tenant": tenant_id, "cf_first": last - count + 1, "cf_kind": kind})
    if cur.rowcount != count:
        raise AssertionError(f"{cur.rowcount} changes written of {count}")
    return last

