"""Tenants, their stores (with the SII's sucursal data) and the stores' warehouses (sala de ventas, bodega)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from psycopg.rows import class_row

from syncserver.store import db

FIRST_RUN_LOCK = 0x616C6D61  # pg_advisory_xact_lock key: one tenant creation at a time ("alma")


@dataclass(frozen=True, slots=True)
class StoreRow:
    """A store: ``address``/``comuna``/``ciudad`` and ``sucursal_sii`` (the SII's code) go on its documents."""

    store_id: str
    name: str
    address: str
    comuna: str
    ciudad: str
    sucursal_sii: int | None
    deactivated_at: datetime | None
    deactivated_by: str | None
    deactivated_reason: str | None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


@dataclass(frozen=True, slots=True)
class WarehouseRow:
    """A warehouse of a store: ``kind`` ``sala`` (sala de ventas, where the tills sell) or ``bodega``."""

    warehouse_id: str
    store_id: str
    name: str
    kind: str
    deactivated_at: datetime | None
    deactivated_by: str | None
    deactivated_reason: str | None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


async def add(conn: db.Conn, tenant_id: int, name: str, rut: str = "") -> None:
    await conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (%s, %s, %s)", (tenant_id, name, rut))


async def lock_creation(conn: db.Conn) -> None:
    """Serialise tenant creations (the first-run check and the next id) until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (FIRST_RUN_LOCK,))


async def any_tenant(conn: db.Conn) -> bool:
    """Whether the server holds a tenant (function ``tenant_any``: no tenant needed)."""
    row = await (await conn.execute("SELECT tenant_any()")).fetchone()
    return bool(row and row[0])


async def next_tenant_id(conn: db.Conn) -> int:
    """One more than the highest tenant id in use (function ``tenant_next_id``); 1 on an empty server."""
    row = await (await conn.execute("SELECT tenant_next_id()")).fetchone()
    return int(row[0]) if row else 1


async def id_taken(conn: db.Conn, tenant_id: int) -> bool:
    """Whether ``tenant_id`` is in use (function ``tenant_id_taken``: yes or no)."""
    row = await (await conn.execute("SELECT tenant_id_taken(%s)", (tenant_id,))).fetchone()
    return bool(row and row[0])


RUT_TAKEN: Final = "el RUT {rut} ya es de otra empresa de este servidor (cada RUT es una sola empresa): revise el RUT"
"""The refusal when a new tenant's RUT is held by another (Spanish, for HQ, the admin commands and their logs)."""


async def rut_taken(conn: db.Conn, rut: str) -> bool:
    """Whether a tenant holds ``rut`` however written (function ``tenant_rut_taken``: yes or no, which tenant is not
    said; the unique index ``tenants_rut_unique`` enforces it)."""
    row = await (await conn.execute("SELECT tenant_rut_taken(%s)", (rut,))).fetchone()
    return bool(row and row[0])


async def caf_held_elsewhere(conn: db.Conn, rut: str, tipo: int, desde: int, hasta: int) -> bool:
    """Whether a tenant other than the transaction's holds a CAF of ``rut`` and ``tipo`` overlapping ``desde`` to
    ``hasta`` (function ``caf_held_elsewhere``: yes or no)."""
    row = await (await conn.execute("SELECT caf_held_elsewhere(%s, %s, %s, %s)",
                                    (rut, tipo, desde, hasta))).fetchone()
    return bool(row and row[0])


async def add_store(conn: db.Conn, tenant_id: int, store_id: str, name: str, *, address: str = "", comuna: str = "",
                    ciudad: str = "", sucursal_sii: int | None = None) -> None:
    """A store and its default warehouse, the sala de ventas (same id as the store:
    ``ingest.projections.warehouse_of``)."""
    await conn.execute("INSERT INTO stores (tenant_id, store_id, name, address, comuna, ciudad, sucursal_sii)"
                       " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                       (tenant_id, store_id, name, address, comuna, ciudad, sucursal_sii))
    await add_warehouse(conn, tenant_id, store_id, store_id, f"Sala de ventas {name}", "sala")


async def add_warehouse(conn: db.Conn, tenant_id: int, store_id: str, warehouse_id: str, name: str,
                        kind: str) -> None:
    await conn.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name, kind)"
                       " VALUES (%s, %s, %s, %s, %s)", (tenant_id, warehouse_id, store_id, name, kind))


async def store_exists(conn: db.Conn, tenant_id: int, store_id: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM stores WHERE tenant_id = %s AND store_id = %s", (tenant_id, store_id))
    return await cur.fetchone() is not None


_STORE = ("SELECT store_id, name, address, comuna, ciudad, sucursal_sii, deactivated_at, deactivated_by,"
          " deactivated_reason FROM stores WHERE tenant_id = %s")


async def stores(conn: db.Conn, tenant_id: int) -> list[StoreRow]:
    """Every store of the tenant, active first, by name."""
    cur = conn.cursor(row_factory=class_row(StoreRow))
    await cur.execute(_STORE + " ORDER BY deactivated_at IS NOT NULL, name, store_id", (tenant_id,))
    return await cur.fetchall()


async def store(conn: db.Conn, tenant_id: int, store_id: str, *, for_update: bool = False) -> StoreRow | None:
    cur = conn.cursor(row_factory=class_row(StoreRow))
    await cur.execute(_STORE + " AND store_id = %s" + (" FOR UPDATE" if for_update else ""), (tenant_id, store_id))
    return await cur.fetchone()


async def update_store(conn: db.Conn, tenant_id: int, store_id: str, *, name: str, address: str, comuna: str,
                       ciudad: str, sucursal_sii: int | None) -> None:
    await conn.execute("UPDATE stores SET name = %s, address = %s, comuna = %s, ciudad = %s, sucursal_sii = %s"
                       " WHERE tenant_id = %s AND store_id = %s",
                       (name, address, comuna, ciudad, sucursal_sii, tenant_id, store_id))


async def set_store_deactivated(conn: db.Conn, tenant_id: int, store_id: str, *, at: datetime | None,
                                by: str | None, reason: str | None) -> None:
    """Deactivate (``at`` set) or bring back (all ``None``) a store; nothing is deleted."""
    await conn.execute("UPDATE stores SET deactivated_at = %s, deactivated_by = %s, deactivated_reason = %s"
                       " WHERE tenant_id = %s AND store_id = %s", (at, by, reason, tenant_id, store_id))


_WAREHOUSE = ("SELECT warehouse_id, store_id, name, kind, deactivated_at, deactivated_by, deactivated_reason"
              " FROM warehouses WHERE tenant_id = %s")


async def warehouses(conn: db.Conn, tenant_id: int, store_id: str | None = None) -> list[WarehouseRow]:
    """The warehouses of the tenant (or of one store): sala de ventas first."""
    cur = conn.cursor(row_factory=class_row(WarehouseRow))
    if store_id is None:
        await cur.execute(_WAREHOUSE + " ORDER BY store_id, kind DESC, name", (tenant_id,))
    else:
        await cur.execute(_WAREHOUSE + " AND store_id = %s ORDER BY kind DESC, name", (tenant_id, store_id))
    return await cur.fetchall()


async def warehouse(conn: db.Conn, tenant_id: int, warehouse_id: str) -> WarehouseRow | None:
    cur = conn.cursor(row_factory=class_row(WarehouseRow))
    await cur.execute(_WAREHOUSE + " AND warehouse_id = %s", (tenant_id, warehouse_id))
    return await cur.fetchone()


async def update_warehouse(conn: db.Conn, tenant_id: int, warehouse_id: str, name: str) -> None:
    await conn.execute("UPDATE warehouses SET name = %s WHERE tenant_id = %s AND warehouse_id = %s",
                       (name, tenant_id, warehouse_id))


async def set_warehouse_deactivated(conn: db.Conn, tenant_id: int, warehouse_id: str, *, at: datetime | None,
                                    by: str | None, reason: str | None) -> None:
    await conn.execute("UPDATE warehouses SET deactivated_at = %s, deactivated_by = %s, deactivated_reason = %s"
                       " WHERE tenant_id = %s AND warehouse_id = %s", (at, by, reason, tenant_id, warehouse_id))


async def rut(conn: db.Conn, tenant_id: int) -> str | None:
    """The tenant's RUT as stored ('' when not registered); None when there is no such tenant."""
    row = await (await conn.execute("SELECT rut FROM tenants WHERE tenant_id = %s", (tenant_id,))).fetchone()
    return None if row is None else str(row[0] or "")
