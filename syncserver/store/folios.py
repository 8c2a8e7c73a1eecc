"""The folio repository: the tenant's CAFs (``cafs``), the sub-ranges leased to each terminal (``folio_leases``)
and the stamped documents received (``dte_documents``). Only SQL lives here; the leasing rules (low water, epochs,
expiry, the server's own leases) are in ``syncserver.dte.folios``. Every function runs inside the caller's tenant
transaction (``syncserver.store.db.tenant_tx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from psycopg.rows import class_row, dict_row

from syncserver.store.db import Conn


@dataclass(frozen=True, slots=True)
class StoredCaf:
    """A CAF as stored: its folio range, authorisation date and file (ISO-8859-1 text, private key included)."""

    desde: int
    hasta: int
    fecha_autorizacion: date
    caf_xml: str


@dataclass(frozen=True, slots=True)
class LeaseTarget:
    """An active terminal folios are leased to, at its current epoch."""

    terminal_id: str
    store_id: str
    current_epoch: int


@dataclass(frozen=True, slots=True)
class OpenLease:
    """A lease with folios left: its range, how many were issued, and its CAF's date and file."""

    lease_id: int
    desde: int
    hasta: int
    issued: int
    fecha_autorizacion: date
    caf_xml: str


async def lock_tipo(conn: Conn, tenant_id: int, tipo: int) -> None:
    """Serialise imports and leases of one tenant's document type (a transaction-scoped advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"folios:{tenant_id}:{tipo}",))


async def try_lock_tipo(conn: Conn, tenant_id: int, tipo: int) -> bool:
    """:func:`lock_tipo` without waiting: False when another transaction holds it."""
    row = await (await conn.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
                                    (f"folios:{tenant_id}:{tipo}",))).fetchone()
    return bool(row and row[0])


# --- CAFs ----------------------------------------------------------------------------------------------------------


async def overlapping(conn: Conn, tenant_id: int, tipo: int, desde: int, hasta: int) -> tuple[int, int] | None:
    """The range (desde, hasta) of a CAF of ``tipo`` already stored that overlaps ``desde..hasta``, if any."""
    row = await (await conn.execute(
        "SELECT desde, hasta FROM cafs WHERE tenant_id = %s AND tipo = %s AND desde <= %s AND hasta >= %s",
        (tenant_id, tipo, hasta, desde))).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


async def add_caf(conn: Conn, tenant_id: int, *, tipo: int, desde: int, hasta: int, rut: str,
                  fecha_autorizacion: date, idk: int, caf_xml: str) -> None:
    await conn.execute(
        "INSERT INTO cafs (tenant_id, tipo, desde, hasta, rut, fecha_autorizacion, idk, caf_xml)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, tipo, desde, hasta, rut, fecha_autorizacion, idk, caf_xml))


async def cafs_of(conn: Conn, tenant_id: int, tipo: int) -> list[StoredCaf]:
    """The tenant's CAFs of ``tipo``, oldest range first."""
    async with conn.cursor(row_factory=class_row(StoredCaf)) as cur:
        await cur.execute("SELECT desde, hasta, fecha_autorizacion, caf_xml FROM cafs WHERE tenant_id = %s"
                          " AND tipo = %s ORDER BY desde", (tenant_id, tipo))
        return await cur.fetchall()


async def caf_tipos(conn: Conn, tenant_id: int) -> list[int]:
    """The document types the tenant has CAFs for, in order."""
    rows = await (await conn.execute("SELECT DISTINCT tipo FROM cafs WHERE tenant_id = %s ORDER BY tipo",
                                     (tenant_id,))).fetchall()
    return [int(r[0]) for r in rows]


async def lease_targets(conn: Conn, tenant_id: int) -> list[LeaseTarget]:
    """The tenant's active terminals of active stores, by id."""
    async with conn.cursor(row_factory=class_row(LeaseTarget)) as cur:
        await cur.execute("SELECT t.terminal_id, t.store_id, t.current_epoch FROM terminals t JOIN stores s"
                          " ON s.tenant_id = t.tenant_id AND s.store_id = t.store_id WHERE t.tenant_id = %s"
                          " AND t.status = 'active' AND s.deactivated_at IS NULL ORDER BY t.terminal_id",
                          (tenant_id,))
        return await cur.fetchall()


# --- leases --------------------------------------------------------------------------------------------------------


async def last_leased(conn: Conn, tenant_id: int, tipo: int, caf_desde: int, caf_hasta: int) -> int | None:
    """The highest folio leased so far from the CAF of ``tipo`` ``caf_desde..caf_hasta``, or that a till reported
    holding there without a lease here (``folio_reports``: a CAF not loaded again after a restore, or a range that
    clashed with another lease); None: none yet."""
    row = await (await conn.execute(
        "SELECT GREATEST((SELECT max(hasta) FROM folio_leases WHERE tenant_id = %s AND tipo = %s AND caf_desde = %s),"
        " (SELECT max(hasta) FROM folio_reports WHERE tenant_id = %s AND tipo = %s AND desde BETWEEN %s AND %s"
        " AND state <> 'recuperado'))",
        (tenant_id, tipo, caf_desde, tenant_id, tipo, caf_desde, caf_hasta))).fetchone()
    return None if row is None or row[0] is None else int(row[0])


async def add_lease(conn: Conn, tenant_id: int, *, terminal_id: str, store_id: str, epoch: int, tipo: int,
                    caf_desde: int, desde: int, hasta: int, retired: bool = False) -> int:
    """Store a lease (``retired``: already retired, a lease of an epoch the terminal has left); its id."""
    row = await (await conn.execute(
        "INSERT INTO folio_leases (tenant_id, terminal_id, store_id, epoch, tipo, caf_desde, desde, hasta, retired_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, CASE WHEN %s THEN now() END) RETURNING lease_id",
        (tenant_id, terminal_id, store_id, epoch, tipo, caf_desde, desde, hasta, retired))).fetchone()
    assert row is not None
    return int(row[0])


async def unused(conn: Conn, tenant_id: int, terminal_id: str, epoch: int, tipo: int) -> int:
    """Folios of ``tipo`` leased to the terminal at ``epoch``, not retired and not issued yet."""
    row = await (await conn.execute(
        "SELECT COALESCE(sum(hasta - desde + 1 - issued), 0) FROM folio_leases WHERE tenant_id = %s"
        " AND terminal_id = %s AND epoch = %s AND tipo = %s AND retired_at IS NULL",
        (tenant_id, terminal_id, epoch, tipo))).fetchone()
    return 0 if row is None else int(row[0])


async def open_leases(conn: Conn, tenant_id: int, terminal_id: str, epoch: int, tipo: int) -> list[OpenLease]:
    """The terminal's leases of ``tipo`` at ``epoch`` with folios left, lowest range first, with their CAF."""
    async with conn.cursor(row_factory=class_row(OpenLease)) as cur:
        await cur.execute(
            "SELECT l.lease_id, l.desde, l.hasta, l.issued, c.fecha_autorizacion, c.caf_xml FROM folio_leases l"
            " JOIN cafs c ON c.tenant_id = l.tenant_id AND c.tipo = l.tipo AND c.desde = l.caf_desde"
            " WHERE l.tenant_id = %s AND l.terminal_id = %s AND l.epoch = %s AND l.tipo = %s"
            " AND l.retired_at IS NULL AND l.issued < l.hasta - l.desde + 1 ORDER BY l.desde",
            (tenant_id, terminal_id, epoch, tipo))
        return await cur.fetchall()


async def lease_caf_xml(conn: Conn, tenant_id: int, lease_id: int) -> str:
    """The CAF file a lease was taken from."""
    row = await (await conn.execute(
        "SELECT c.caf_xml FROM folio_leases l JOIN cafs c ON c.tenant_id = l.tenant_id AND c.tipo = l.tipo"
        " AND c.desde = l.caf_desde WHERE l.tenant_id = %s AND l.lease_id = %s", (tenant_id, lease_id))).fetchone()
    assert row is not None
    return str(row[0])


async def count_issued(conn: Conn, tenant_id: int, lease_id: int) -> None:
    """One more folio of the lease issued."""
    await conn.execute("UPDATE folio_leases SET issued = issued + 1 WHERE tenant_id = %s AND lease_id = %s",
                       (tenant_id, lease_id))


async def retire(conn: Conn, tenant_id: int, terminal_id: str, before_epoch: int) -> int:
    """Retire the terminal's open leases of epochs before ``before_epoch``; how many."""
    result = await conn.execute(
        "UPDATE folio_leases SET retired_at = now() WHERE tenant_id = %s AND terminal_id = %s AND epoch < %s"
        " AND retired_at IS NULL", (tenant_id, terminal_id, before_epoch))
    return result.rowcount


async def lease_of(conn: Conn, tenant_id: int, terminal_id: str, tipo: int, folio: int, epoch: int) -> int | None:
    """The id of the terminal's lease that holds ``folio`` of ``tipo``, leased for ``epoch`` or an earlier one (the
    entries a new epoch carries over were stamped under the old epoch's leases); never the server's (epoch 0)."""
    row = await (await conn.execute(
        "SELECT lease_id FROM folio_leases WHERE tenant_id = %s AND terminal_id = %s AND tipo = %s"
        " AND desde <= %s AND hasta >= %s AND epoch BETWEEN 1 AND %s",
        (tenant_id, terminal_id, tipo, folio, folio, epoch))).fetchone()
    return None if row is None else int(row[0])


# --- stamped documents ---------------------------------------------------------------------------------------------


async def add_document(conn: Conn, tenant_id: int, *, tipo: int, folio: int, sale_id: str, terminal_id: str,
                       epoch: int, seq: int, stamped_at: str, ted: str) -> bool:
    """Record a stamped document received; False (nothing written) when its tipo and folio were already recorded."""
    row = await (await conn.execute(
        "INSERT INTO dte_documents (tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq, stamped_at, ted)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING folio",
        (tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq, stamped_at, ted))).fetchone()
    return row is not None


async def quarantine_folded(conn: Conn, tenant_id: int, terminal_id: str, epoch: int, seq: int, *, type_: str,
                            version: int, reason: str, payload: dict[str, Any]) -> None:
    """Quarantine an event whose document was refused, marked ``folded`` (the event itself counts, migration 0009)."""
    await conn.execute(
        "INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload, folded)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, true) ON CONFLICT DO NOTHING",
        (tenant_id, terminal_id, epoch, seq, type_, version, reason, orjson.dumps(payload).decode()))


# --- HQ and admin views --------------------------------------------------------------------------------------------


async def caf_rows(conn: Conn, tenant_id: int) -> list[dict[str, Any]]:
    """Each CAF with how many of its folios are leased (HQ's folio page, ``admin folios``)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT c.tipo, c.desde, c.hasta, c.rut, c.fecha_autorizacion, c.idk, c.imported_at,"
            " COALESCE((SELECT sum(l.hasta - l.desde + 1) FROM folio_leases l WHERE l.tenant_id = c.tenant_id"
            " AND l.tipo = c.tipo AND l.caf_desde = c.desde), 0)::bigint AS leased"
            " FROM cafs c WHERE c.tenant_id = %s ORDER BY c.tipo, c.desde", (tenant_id,))
        return await cur.fetchall()


_LEASES = ("SELECT l.lease_id, l.terminal_id, t.name AS terminal_name, l.store_id, l.epoch, l.tipo, l.desde, l.hasta,"
           " l.issued, l.leased_at, l.retired_at FROM folio_leases l LEFT JOIN terminals t"
           " ON t.tenant_id = l.tenant_id AND t.terminal_id = l.terminal_id WHERE l.tenant_id = %s")
_USED = "l.retired_at IS NULL AND l.issued > l.hasta - l.desde"
"""A lease whose every folio was issued (nothing more will come of it)."""


async def lease_rows(conn: Conn, tenant_id: int, *, current_only: bool = False) -> list[dict[str, Any]]:
    """Every lease with its terminal's name (``admin folios``), by tipo and folio; ``current_only``: only those with
    folios still to issue and the retired ones (HQ's folio page, which sums the used ones: :func:`used_leases`)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_LEASES + (f" AND NOT ({_USED})" if current_only else "") + " ORDER BY l.tipo, l.desde",
                          (tenant_id,))
        return await cur.fetchall()


async def used_leases(conn: Conn, tenant_id: int) -> list[dict[str, Any]]:
    """The used leases (every folio issued) summed per terminal and tipo: ``leases``, ``issued`` folios, the lowest
    ``desde``, the highest ``hasta`` and the last ``leased_at`` (a till leases 100 folios at a time: a year of a busy
    store is hundreds of them), by tipo and terminal name."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT l.terminal_id, t.name AS terminal_name, l.tipo, count(*) AS leases,"
            " sum(l.issued)::bigint AS issued, min(l.desde) AS desde, max(l.hasta) AS hasta,"
            " max(l.leased_at) AS leased_at FROM folio_leases l"
            " LEFT JOIN terminals t ON t.tenant_id = l.tenant_id AND t.terminal_id = l.terminal_id"
            f" WHERE l.tenant_id = %s AND {_USED} GROUP BY l.terminal_id, t.name, l.tipo"
            " ORDER BY l.tipo, t.name, l.terminal_id", (tenant_id,))
        return await cur.fetchall()



# --- whose folio ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    """The lease that holds a folio: its terminal (``"hq"``: the server's own), that terminal's name (``""`` when
    it has none), the epoch it was leased for and its range."""

    terminal_id: str
    terminal_name: str
    epoch: int
    desde: int
    hasta: int


async def holders(conn: Conn, tenant_id: int, documents: list[tuple[int, int]]) -> dict[tuple[int, int], Holder]:
    """The lease holding each ``(tipo, folio)`` of ``documents`` (values within ``integer`` and ``bigint``), any
    terminal, any epoch, retired or not; a folio no lease holds is absent. One statement: for each document, the
    lease of its tipo starting at or below its folio (leases of a type never overlap; the index on
    ``(tenant_id, tipo, desde)`` finds it)."""
    if not documents:
        return {}
    rows = await (await conn.execute(
        "SELECT d.tipo, d.folio, l.terminal_id, COALESCE(t.name, ''), l.epoch, l.desde, l.hasta"
        " FROM unnest(%s::integer[], %s::bigint[]) AS d(tipo, folio)"
        " CROSS JOIN LATERAL (SELECT terminal_id, epoch, desde, hasta FROM folio_leases WHERE tenant_id = %s"
        " AND tipo = d.tipo AND desde <= d.folio ORDER BY desde DESC LIMIT 1) AS l"
        " LEFT JOIN terminals t ON t.tenant_id = %s AND t.terminal_id = l.terminal_id WHERE d.folio <= l.hasta",
        ([t for t, _f in documents], [f for _t, f in documents], tenant_id, tenant_id))).fetchall()
    return {(int(r[0]), int(r[1])): Holder(str(r[2]), str(r[3]), int(r[4]), int(r[5]), int(r[6])) for r in rows}


async def own_tipos(conn: Conn, tenant_id: int, terminal_id: str, folio: int) -> list[int]:
    """The document types of the terminal's leases (any epoch) that hold ``folio``, in order."""
    rows = await (await conn.execute(
        "SELECT DISTINCT tipo FROM folio_leases WHERE tenant_id = %s AND terminal_id = %s AND desde <= %s"
        " AND hasta >= %s ORDER BY tipo", (tenant_id, terminal_id, folio, folio))).fetchall()
    return [int(r[0]) for r in rows]


# --- the hold after a restore (syncserver.dte.folio_hold) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overlap:
    """A lease that overlaps a range: its terminal and range."""

    terminal_id: str
    desde: int
    hasta: int


async def overlaps(conn: Conn, tenant_id: int, tipo: int, desde: int, hasta: int) -> list[Overlap]:
    """The leases of ``tipo`` (any terminal, any epoch, retired or not) that share a folio with ``desde..hasta``."""
    async with conn.cursor(row_factory=class_row(Overlap)) as cur:
        await cur.execute("SELECT terminal_id, desde, hasta FROM folio_leases WHERE tenant_id = %s AND tipo = %s"
                          " AND desde <= %s AND hasta >= %s ORDER BY desde", (tenant_id, tipo, hasta, desde))
        return await cur.fetchall()


async def caf_holding(conn: Conn, tenant_id: int, tipo: int, desde: int, hasta: int) -> int | None:
    """The ``desde`` of the tenant's CAF of ``tipo`` whose range holds all of ``desde..hasta`` (None: none does)."""
    row = await (await conn.execute(
        "SELECT desde FROM cafs WHERE tenant_id = %s AND tipo = %s AND desde <= %s AND hasta >= %s",
        (tenant_id, tipo, desde, hasta))).fetchone()
    return None if row is None else int(row[0])


async def add_report(conn: Conn, tenant_id: int, *, terminal_id: str, tipo: int, desde: int, hasta: int, epoch: int,
                     state: str, at: datetime) -> None:
    """Note a range a till reported that the master did not hold, with what became of it (``recuperado``: leased
    to it now; ``sin_caf``: its CAF is not loaded; ``conflicto``: it overlaps another lease)."""
    await conn.execute(
        "INSERT INTO folio_reports (tenant_id, tipo, desde, hasta, terminal_id, epoch, state, reported_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, tipo, desde, terminal_id)"
        " DO UPDATE SET hasta = excluded.hasta, epoch = excluded.epoch, state = excluded.state,"
        " reported_at = excluded.reported_at", (tenant_id, tipo, desde, hasta, terminal_id, epoch, state, at))


async def reports_without_caf(conn: Conn, tenant_id: int, tipo: int, desde: int, hasta: int) -> list[dict[str, Any]]:
    """The ``sin_caf`` reports of ``tipo`` inside ``desde..hasta`` (a CAF being loaded), lowest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("SELECT terminal_id, tipo, desde, hasta, epoch FROM folio_reports WHERE tenant_id = %s"
                          " AND tipo = %s AND state = 'sin_caf' AND desde >= %s AND hasta <= %s ORDER BY desde",
                          (tenant_id, tipo, desde, hasta))
        return await cur.fetchall()


async def report_rows(conn: Conn, tenant_id: int) -> list[dict[str, Any]]:
    """Every range reported after a restore, with its terminal's name (HQ's folio page), by tipo and folio."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT r.tipo, r.desde, r.hasta, r.terminal_id, COALESCE(t.name, '') AS terminal_name, r.epoch,"
            " r.state, r.reported_at FROM folio_reports r LEFT JOIN terminals t ON t.tenant_id = r.tenant_id"
            " AND t.terminal_id = r.terminal_id WHERE r.tenant_id = %s ORDER BY r.tipo, r.desde", (tenant_id,))
        return await cur.fetchall()


async def held(conn: Conn, tenant_id: int) -> bool:
    """Whether leasing is on hold: a terminal asked after a restore has neither reported nor been released."""
    row = await (await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM folio_holds WHERE tenant_id = %s AND reported_at IS NULL"
        " AND released_at IS NULL)", (tenant_id,))).fetchone()
    return bool(row and row[0])


async def hold_state(conn: Conn, tenant_id: int, terminal_id: str) -> str | None:
    """The terminal's place in the hold: ``"asked"`` (still to report), ``"reported"``, ``"released"``; None
    when it was not asked (no restore since it enrolled)."""
    row = await (await conn.execute(
        "SELECT CASE WHEN reported_at IS NOT NULL THEN 'reported' WHEN released_at IS NOT NULL THEN 'released'"
        " ELSE 'asked' END FROM folio_holds WHERE tenant_id = %s AND terminal_id = %s",
        (tenant_id, terminal_id))).fetchone()
    return None if row is None else str(row[0])


async def join_hold(conn: Conn, tenant_id: int, terminal_id: str) -> bool:
    """Ask a terminal enrolled while leasing is on hold to report too (True), inside the enrolment's transaction: it
    may be a till enrolled after the dump and enrolled again, holding leases the restored master never saw. The
    rows of the terminals still to report stay locked until the caller commits, so the hold cannot end meanwhile;
    False (nothing written) when no hold is on."""
    pending = await (await conn.execute(
        "SELECT restored_at FROM folio_holds WHERE tenant_id = %s AND reported_at IS NULL AND released_at IS NULL"
        " ORDER BY terminal_id FOR UPDATE", (tenant_id,))).fetchall()
    if not pending:
        return False
    await conn.execute("INSERT INTO folio_holds (tenant_id, terminal_id, restored_at) VALUES (%s, %s, %s)"
                       " ON CONFLICT DO NOTHING", (tenant_id, terminal_id, pending[0][0]))
    return True


async def mark_reported(conn: Conn, tenant_id: int, terminal_id: str, at: datetime) -> None:
    await conn.execute("UPDATE folio_holds SET reported_at = %s WHERE tenant_id = %s AND terminal_id = %s"
                       " AND reported_at IS NULL", (at, tenant_id, terminal_id))


async def release(conn: Conn, tenant_id: int, at: datetime) -> int:
    """Release the hold of every terminal still to report; how many."""
    result = await conn.execute("UPDATE folio_holds SET released_at = %s WHERE tenant_id = %s"
                                " AND reported_at IS NULL AND released_at IS NULL", (at, tenant_id))
    return result.rowcount


async def hold_rows(conn: Conn, tenant_id: int) -> list[dict[str, Any]]:
    """The terminals asked after the last restore, with their names and store, when they reported or were
    released (HQ's folio page, ``admin folios``), by name."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT h.terminal_id, COALESCE(t.name, '') AS terminal_name, COALESCE(t.store_id, '') AS store_id,"
            " h.restored_at, h.reported_at, h.released_at FROM folio_holds h LEFT JOIN terminals t"
            " ON t.tenant_id = h.tenant_id AND t.terminal_id = h.terminal_id WHERE h.tenant_id = %s"
            " ORDER BY 2, h.terminal_id", (tenant_id,))
        return await cur.fetchall()


async def terminal_place(conn: Conn, tenant_id: int, terminal_id: str, *, lock: bool = False
                         ) -> tuple[str, int] | None:
    """The terminal's ``(store_id, current_epoch)`` (``lock``: its row locked until the transaction ends, as a
    push locks it); None when the tenant has no such terminal."""
    row = await (await conn.execute(
        "SELECT store_id, current_epoch FROM terminals WHERE tenant_id = %s AND terminal_id = %s"
        + (" FOR UPDATE" if lock else ""), (tenant_id, terminal_id))).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))
