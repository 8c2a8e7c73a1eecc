"""The audit trail (``audit_log``, append-only): who did or was refused what, from which address, in a tenant."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store import db

KINDS: dict[str, str] = {
    "login_ok": "Ingreso a HQ",
    "login_failed": "Ingreso fallido",
    "login_locked": "Ingreso bloqueado",
    "logout": "Salida de HQ",
    "session_expired": "Sesión vencida",
    "session_revoked": "Sesión cerrada",
    "enrolment_ok": "Caja enrolada",
    "enrolment_refused": "Enrolamiento rechazado",
    "enrolment_locked": "Enrolamiento bloqueado",
    "request_refused": "Solicitud rechazada",
    "event_quarantined": "Evento en cuarentena",
    "account_changed": "Cuenta modificada",
    "inventory_settings_changed": "Ajustes de inventario",
    "product_adopted": "Producto de tienda adoptado",
    "product_set_aside": "Producto de tienda descartado",
    "customer_saved": "Cliente guardado",
    "fiado_account_set": "Fiado de un cliente",
    "customers_merged": "Clientes fusionados",
    "supplier_answer": "Respuesta a un proveedor (SII)",
    "card_model_changed": "Modelo de emisión (tarjetas)",
}
"""The kinds HQ's audit page names (kind -> Spanish label). Other kinds are accepted (``[a-z][a-z0-9_]*``, at most
40 characters) and shown as written; add them here to give them a label."""

MAX_DETAIL = 2000
MAX_FIELD = 300
_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the trail; ``actor`` is an HQ account's e-mail or a terminal's id ('' when neither)."""

    audit_id: int
    at: datetime
    kind: str
    actor: str
    address: str
    detail: str

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _clean(text: str, limit: int) -> str:
    return text.replace("\x00", "")[:limit]


async def record(conn: db.Conn, *, tenant_id: int, kind: str, actor: str = "", address: str = "", detail: str = "",
                 at: datetime) -> None:
    """Append one line to ``tenant_id``'s trail inside the caller's transaction (``conn`` must be in a
    ``tenant_tx`` of ``tenant_id``: row-level security refuses any other).

    Args:
        kind: one of :data:`KINDS` (or another ``snake_case`` name of at most 40 characters).
        actor: the HQ account's e-mail or the terminal's id the line is about (cut at 300 characters).
        address: the client's IP address (``request.client.host``), '' when unknown.
        detail: a sentence in Spanish for the owner (cut at 2,000 characters; NUL characters dropped).
        at: aware UTC time (the app's injected clock).

    Raises:
        ValueError: a ``kind`` that is not a ``snake_case`` name.
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"audit kind {kind!r} is not a snake_case name of at most 40 characters")
    await conn.execute("INSERT INTO audit_log (tenant_id, at, kind, actor, address, detail)"
                       " VALUES (%s, %s, %s, %s, %s, %s)",
                       (tenant_id, at, kind, _clean(actor, MAX_FIELD), _clean(address, MAX_FIELD),
                        _clean(detail, MAX_DETAIL)))


async def record_tx(pool: db.Pool, *, tenant_id: int, kind: str, actor: str = "", address: str = "",
                    detail: str = "", at: datetime) -> None:
    """:func:`record` in a transaction of its own (for a refusal whose own transaction was rolled back)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await record(conn, tenant_id=tenant_id, kind=kind, actor=actor, address=address, detail=detail, at=at)


async def search(conn: db.Conn, tenant_id: int, *, kinds: Sequence[str] = (), actor: str = "",
                 since: datetime | None = None, until: datetime | None = None, limit: int = 50,
                 offset: int = 0) -> list[Entry]:
    """The tenant's lines, newest first: of ``kinds`` (all when empty), whose actor contains ``actor``
    (case-insensitive), at ``since`` or later and before ``until``; ``limit`` lines after skipping ``offset``."""
    where: list[str] = ["tenant_id = %s"]
    params: list[object] = [tenant_id]
    if kinds:
        where.append("kind = ANY(%s)")
        params.append(list(kinds))
    if actor:
        where.append("strpos(lower(actor), lower(%s)) > 0")
        params.append(actor)
    if since is not None:
        where.append("at >= %s")
        params.append(since)
    if until is not None:
        where.append("at < %s")
        params.append(until)
    cur = conn.cursor(row_factory=class_row(Entry))
    await cur.execute("SELECT audit_id, at, kind, actor, address, detail FROM audit_log WHERE "
                      + " AND ".join(where) + " ORDER BY at DESC, audit_id DESC LIMIT %s OFFSET %s",
                      (*params, max(1, limit), max(0, offset)))
    return await cur.fetchall()
