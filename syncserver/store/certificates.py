"""The certificate repository: ``tenant_certificates``, each tenant's signing certificate (.pfx) and password,
both encrypted by ``syncserver.dte.certs`` before they get here. Only SQL; inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store.db import Conn


@dataclass(frozen=True, slots=True)
class Sealed:
    """The encrypted .pfx and password as stored."""

    pfx_encrypted: bytes
    password_encrypted: bytes


async def save(conn: Conn, tenant_id: int, *, pfx_encrypted: bytes, password_encrypted: bytes, subject: str,
               holder_rut: str | None, not_after: datetime) -> None:
    """Store the tenant's certificate, replacing any previous one."""
    await conn.execute(
        "INSERT INTO tenant_certificates (tenant_id, pfx_encrypted, password_encrypted, subject, holder_rut,"
        " not_after) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id) DO UPDATE SET"
        " pfx_encrypted = excluded.pfx_encrypted, password_encrypted = excluded.password_encrypted,"
        " subject = excluded.subject, holder_rut = excluded.holder_rut, not_after = excluded.not_after,"
        " uploaded_at = now()",
        (tenant_id, pfx_encrypted, password_encrypted, subject, holder_rut, not_after))


async def sealed(conn: Conn, tenant_id: int) -> Sealed | None:
    """The tenant's encrypted certificate; None when none was uploaded."""
    async with conn.cursor(row_factory=class_row(Sealed)) as cur:
        await cur.execute("SELECT pfx_encrypted, password_encrypted FROM tenant_certificates WHERE tenant_id = %s",
                          (tenant_id,))
        return await cur.fetchone()


async def dte_tenants(conn: Conn) -> list[int]:
    """The tenants with an uploaded certificate (``dte_tenants``, filled by a trigger; listed with no tenant set by
    the function ``dte_tenant_list``), in id order."""
    rows = await (await conn.execute("SELECT * FROM dte_tenant_list()")).fetchall()
    return [int(r[0]) for r in rows]
