"""The emisor repository: ``tenant_emisor``, the company data every DTE and envelope carries (razón social, giro,
address, SII resolution). Only SQL; validation is in ``syncserver.dte.emisor``. Inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from psycopg.rows import class_row

from syncserver.store.db import Conn


@dataclass(frozen=True, slots=True)
class EmisorRow:
    """The stored emisor data, with the tenant's RUT as stored."""

    rut: str | None
    razon_social: str
    giro: str
    acteco: list[int] | None
    direccion: str
    comuna: str
    ciudad: str
    sucursal_sii: int | None
    resolucion_fecha: date | None
    resolucion_numero: int | None
    unidad_sii: str | None


async def load(conn: Conn, tenant_id: int) -> EmisorRow | None:
    """The tenant's emisor data; None when never entered."""
    async with conn.cursor(row_factory=class_row(EmisorRow)) as cur:
        await cur.execute(
            "SELECT t.rut, e.razon_social, e.giro, e.acteco, e.direccion, e.comuna, e.ciudad, e.sucursal_sii,"
            " e.resolucion_fecha, e.resolucion_numero, e.unidad_sii FROM tenant_emisor e"
            " JOIN tenants t ON t.tenant_id = e.tenant_id WHERE e.tenant_id = %s", (tenant_id,))
        return await cur.fetchone()


async def lock(conn: Conn, tenant_id: int) -> None:
    """One writer of the tenant's emisor data at a time (a transaction-scoped advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"emisor:{tenant_id}",))


async def save(conn: Conn, tenant_id: int, values: dict[str, object]) -> None:
    """Insert or replace the tenant's emisor data with ``values`` (column name → value)."""
    names = list(values)
    await conn.execute(
        f"INSERT INTO tenant_emisor (tenant_id, {', '.join(names)}) VALUES (%s, {', '.join(['%s'] * len(names))})"
        " ON CONFLICT (tenant_id) DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in names)
        + ", updated_at = now()", (tenant_id, *values.values()))


async def retry_waiting(conn: Conn, tenant_id: int, error_prefix: str) -> None:
    """Make the ``issued`` documents that wait with an error starting ``error_prefix`` due now."""
    await conn.execute(
        "UPDATE dte_outbox SET next_attempt_at = now(), updated_at = now() WHERE tenant_id = %s"
        " AND state = 'issued' AND last_error LIKE %s", (tenant_id, error_prefix + "%"))
