"""The card-sales «modelo de emisión» repository: ``tenant_card_model`` (one row per tenant). Only SQL; the rules are
in ``syncserver.dte.card_model``. Inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store.db import Conn


@dataclass(frozen=True, slots=True)
class CardModelRow:
    """The stored choice: ``model`` ``boleta`` or ``voucher``, the HQ account that set it and when."""

    model: str
    set_by: str
    set_at: datetime


async def load(conn: Conn, tenant_id: int, *, for_update: bool = False) -> CardModelRow | None:
    """The tenant's stored choice; None when never set (the default applies)."""
    async with conn.cursor(row_factory=class_row(CardModelRow)) as cur:
        await cur.execute("SELECT model, set_by, set_at FROM tenant_card_model WHERE tenant_id = %s"
                          + (" FOR UPDATE" if for_update else ""), (tenant_id,))
        return await cur.fetchone()


async def save(conn: Conn, tenant_id: int, model: str, set_by: str, set_at: datetime) -> None:
    """Insert or replace the tenant's choice."""
    await conn.execute(
        "INSERT INTO tenant_card_model (tenant_id, model, set_by, set_at) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (tenant_id) DO UPDATE SET model = excluded.model, set_by = excluded.set_by,"
        " set_at = excluded.set_at", (tenant_id, model, set_by, set_at))
