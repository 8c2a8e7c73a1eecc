"""Tenants and their stores (each store with its default warehouse)."""

from __future__ import annotations

from syncserver.store import db


async def add(conn: db.Conn, tenant_id: int, name: str, rut: str = "") -> None:
    await conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (%s, %s, %s)", (tenant_id, name, rut))


async def add_store(conn: db.Conn, tenant_id: int, store_id: str, name: str) -> None:
    """A store and its default warehouse (same id, named after the store: ``ingest.projections.warehouse_of``)."""
    await conn.execute("INSERT INTO stores (tenant_id, store_id, name) VALUES (%s, %s, %s)",
                       (tenant_id, store_id, name))
    await conn.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name) VALUES (%s, %s, %s, %s)",
                       (tenant_id, store_id, store_id, f"Bodega {name}"))


async def store_exists(conn: db.Conn, tenant_id: int, store_id: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM stores WHERE tenant_id = %s AND store_id = %s", (tenant_id, store_id))
    return await cur.fetchone() is not None


async def rut(conn: db.Conn, tenant_id: int) -> str | None:
    """The tenant's RUT as stored ('' when not registered); None when there is no such tenant."""
    row = await (await conn.execute("SELECT rut FROM tenants WHERE tenant_id = %s", (tenant_id,))).fetchone()
    return None if row is None else str(row[0] or "")
