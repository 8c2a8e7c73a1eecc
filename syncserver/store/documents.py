"""The stamped documents' sources and corrections: each ``dte_documents`` row with the event that carried it (or the
``dte_corrections`` row of a nota issued in HQ), for the signing pipeline, the RVD and HQ's notas.
Only SQL; every function runs inside the caller's tenant transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from syncserver.store.db import Conn

_SOURCES = (
    "SELECT d.tipo, d.folio, d.stamped_at, d.ted, e.type, e.version, e.payload, c.content,"
    " coalesce(e.store_id, s.store_id) AS store_id FROM dte_documents d"
    " LEFT JOIN events e ON e.tenant_id = d.tenant_id AND e.terminal_id = d.terminal_id AND e.epoch = d.epoch"
    " AND e.seq = d.seq LEFT JOIN dte_corrections c ON c.tenant_id = d.tenant_id AND c.tipo = d.tipo"
    " AND c.folio = d.folio LEFT JOIN sales s ON s.tenant_id = d.tenant_id AND s.sale_id = d.sale_id")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A stored document with what it was built from: the event (type, version, JSON payload) that carried it, or
    the content of its HQ correction (a nota de crédito issued by the server); ``store_id`` the store that issued
    it (the event's, or the corrected sale's), None when unknown."""

    tipo: int
    folio: int
    stamped_at: str
    ted: str
    type: str | None
    version: int | None
    payload: Any
    content: dict[str, Any] | None
    store_id: str | None = None


@dataclass(frozen=True, slots=True)
class CorrectionTarget:
    """A document to be corrected: its outbox state and the sale event that carried it (if still stored)."""

    state: str
    sale_id: str
    stamped_at: str
    type: str | None
    version: int | None
    payload: Any


async def source(conn: Conn, tenant_id: int, tipo: int, folio: int) -> SourceRow | None:
    """Document ``tipo``/``folio`` with its source; None if unknown."""
    async with conn.cursor(row_factory=class_row(SourceRow)) as cur:
        await cur.execute(_SOURCES + " WHERE d.tenant_id = %s AND d.tipo = %s AND d.folio = %s",
                          (tenant_id, tipo, folio))
        return await cur.fetchone()


async def sources_of_day(conn: Conn, tenant_id: int, day: date, tipos: Sequence[int]) -> list[SourceRow]:
    """The documents of ``tipos`` stamped on ``day`` (the date part of ``stamped_at``), by type and folio."""
    async with conn.cursor(row_factory=class_row(SourceRow)) as cur:
        await cur.execute(_SOURCES + " WHERE d.tenant_id = %s AND left(d.stamped_at, 10) = %s AND d.tipo = ANY(%s)"
                          " ORDER BY d.tipo, d.folio", (tenant_id, day.isoformat(), list(tipos)))
        return await cur.fetchall()


async def correction_target(conn: Conn, tenant_id: int, tipo: int, folio: int) -> CorrectionTarget | None:
    """Document ``tipo``/``folio`` with its outbox state and event, its outbox row locked ``FOR UPDATE``."""
    async with conn.cursor(row_factory=class_row(CorrectionTarget)) as cur:
        await cur.execute(
            "SELECT o.state, d.sale_id, d.stamped_at, e.type, e.version, e.payload FROM dte_outbox o"
            " JOIN dte_documents d ON d.tenant_id = o.tenant_id AND d.tipo = o.tipo AND d.folio = o.folio"
            " LEFT JOIN events e ON e.tenant_id = d.tenant_id AND e.terminal_id = d.terminal_id AND e.epoch = d.epoch"
            " AND e.seq = d.seq WHERE o.tenant_id = %s AND o.tipo = %s AND o.folio = %s FOR UPDATE OF o",
            (tenant_id, tipo, folio))
        return await cur.fetchone()


async def correction_of(conn: Conn, tenant_id: int, tipo: int, folio: int) -> int | None:
    """The folio of the nota that already annuls ``tipo``/``folio`` (CodRef 1), if any."""
    row = await (await conn.execute(
        "SELECT folio FROM dte_corrections WHERE tenant_id = %s AND original_tipo = %s AND original_folio = %s"
        " AND codref = 1", (tenant_id, tipo, folio))).fetchone()
    return None if row is None else int(row[0])


@dataclass(frozen=True, slots=True)
class HqNote:
    """A nota HQ issued (a ``dte_corrections`` row) with its outbox state and stamping: ``content`` is what the
    signer builds it from, ``sale_id`` the sale of the document it modifies."""

    tipo: int
    folio: int
    original_tipo: int
    original_folio: int
    codref: int
    content: dict[str, Any]
    state: str
    sale_id: str
    stamped_at: str


async def hq_note(conn: Conn, tenant_id: int, tipo: int, folio: int) -> HqNote | None:
    """Nota ``tipo``/``folio`` if HQ issued it, its outbox row locked ``FOR UPDATE``; None otherwise."""
    async with conn.cursor(row_factory=class_row(HqNote)) as cur:
        await cur.execute(
            "SELECT c.tipo, c.folio, c.original_tipo, c.original_folio, c.codref, c.content, o.state, d.sale_id,"
            " d.stamped_at FROM dte_corrections c JOIN dte_outbox o ON o.tenant_id = c.tenant_id AND o.tipo = c.tipo"
            " AND o.folio = c.folio JOIN dte_documents d ON d.tenant_id = c.tenant_id AND d.tipo = c.tipo"
            " AND d.folio = c.folio WHERE c.tenant_id = %s AND c.tipo = %s AND c.folio = %s FOR UPDATE OF o",
            (tenant_id, tipo, folio))
        return await cur.fetchone()


async def add_correction(conn: Conn, tenant_id: int, *, tipo: int, folio: int, original_tipo: int,
                         original_folio: int, reason: str, content: dict[str, Any], by: str,
                         codref: int = 1) -> None:
    """Store the nota ``tipo``/``folio`` issued in HQ: ``codref`` 1 annuls the original (once), 3 corrects its
    amounts (a nota de débito; several may).

    Raises:
        psycopg.errors.UniqueViolation: ``codref`` 1 and the original is already annulled.
    """
    await conn.execute(
        "INSERT INTO dte_corrections (tenant_id, tipo, folio, original_tipo, original_folio, reason, content,"
        " created_by, codref) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, tipo, folio, original_tipo, original_folio, reason, Jsonb(content), by, codref))


@dataclass(frozen=True, slots=True)
class RejectedReference:
    """A nota HQ issued that modifies a document the SII rejected (a 56 on a factura rejected after it was issued;
    not the 61 that annuls the rejected document): the nota ``tipo``/``folio``, the rejected
    ``original_tipo``/``original_folio``, and ``annulled_by`` the folio of the 61 that already annulled the nota
    (None: still to do)."""

    tipo: int
    folio: int
    original_tipo: int
    original_folio: int
    annulled_by: int | None


async def rejected_references(conn: Conn, tenant_id: int) -> list[RejectedReference]:
    """The notas HQ issued on documents the SII rejected (:class:`RejectedReference`), by type and folio. Starts from
    the rejected documents (few) and finds their notas by ``dte_corrections_by_original``."""
    async with conn.cursor(row_factory=class_row(RejectedReference)) as cur:
        await cur.execute(
            "SELECT c.tipo, c.folio, c.original_tipo, c.original_folio, a.folio AS annulled_by FROM dte_outbox r"
            " JOIN dte_corrections c ON c.tenant_id = r.tenant_id AND c.original_tipo = r.tipo"
            " AND c.original_folio = r.folio AND c.codref <> 1"
            " LEFT JOIN dte_corrections a ON a.tenant_id = c.tenant_id AND a.original_tipo = c.tipo"
            " AND a.original_folio = c.folio AND a.codref = 1"
            " WHERE r.tenant_id = %s AND r.state = 'rejected' ORDER BY c.tipo, c.folio", (tenant_id,))
        return await cur.fetchall()
