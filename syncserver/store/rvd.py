"""The RVD repository: ``rvd_reports`` (one row per daily sales report sent, with its envelope and the fingerprint
of its figures) and the days the documents fall on. Only SQL; the rules are in ``syncserver.dte.rvd``. Every
function runs inside the caller's tenant transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from psycopg.rows import class_row

from syncserver.store.db import Conn


@dataclass(frozen=True, slots=True)
class LastReport:
    """A day's latest report: its SecEnvio and the fingerprint of its figures."""

    sec_envio: int
    fingerprint: str


@dataclass(frozen=True, slots=True)
class LastSent:
    """The state of the envelope of a day's latest report, and the SII's code for it."""

    state: str
    sii_estado: str | None


async def lock(conn: Conn, tenant_id: int) -> None:
    """One RVD builder per tenant at a time (a transaction-scoped advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"rvd:{tenant_id}",))


async def first_day(conn: Conn, tenant_id: int, tipos: Sequence[int]) -> date | None:
    """The first day with a document of ``tipos`` (by the date of ``stamped_at``)."""
    row = await (await conn.execute(
        "SELECT min(left(stamped_at, 10)) FROM dte_documents WHERE tenant_id = %s AND tipo = ANY(%s)",
        (tenant_id, list(tipos)))).fetchone()
    return None if row is None or row[0] is None else date.fromisoformat(row[0])


async def reported_days(conn: Conn, tenant_id: int) -> set[date]:
    rows = await (await conn.execute("SELECT DISTINCT day FROM rvd_reports WHERE tenant_id = %s",
                                     (tenant_id,))).fetchall()
    return {r[0] for r in rows}


async def latest_report_at(conn: Conn, tenant_id: int) -> datetime | None:
    """When the latest report was built."""
    row = await (await conn.execute("SELECT max(created_at) FROM rvd_reports WHERE tenant_id = %s",
                                    (tenant_id,))).fetchone()
    return None if row is None else row[0]


async def days_received_after(conn: Conn, tenant_id: int, after: datetime, tipos: Sequence[int]) -> list[date]:
    """The days of the documents of ``tipos`` received after ``after``."""
    rows = await (await conn.execute(
        "SELECT DISTINCT left(stamped_at, 10) FROM dte_documents WHERE tenant_id = %s AND received_at > %s"
        " AND tipo = ANY(%s)", (tenant_id, after, list(tipos)))).fetchall()
    return [date.fromisoformat(text) for (text,) in rows]


async def last_report(conn: Conn, tenant_id: int, day: date) -> LastReport | None:
    """The latest report of ``day``."""
    async with conn.cursor(row_factory=class_row(LastReport)) as cur:
        await cur.execute("SELECT sec_envio, fingerprint FROM rvd_reports WHERE tenant_id = %s AND day = %s"
                          " ORDER BY sec_envio DESC LIMIT 1", (tenant_id, day))
        return await cur.fetchone()


async def last_sent(conn: Conn, tenant_id: int, day: date) -> LastSent | None:
    """Where the envelope of ``day``'s latest report stands."""
    async with conn.cursor(row_factory=class_row(LastSent)) as cur:
        await cur.execute(
            "SELECT e.state, e.sii_estado FROM rvd_reports r JOIN dte_envelopes e ON e.tenant_id = r.tenant_id"
            " AND e.envelope_id = r.envelope_id WHERE r.tenant_id = %s AND r.day = %s"
            " ORDER BY r.sec_envio DESC LIMIT 1", (tenant_id, day))
        return await cur.fetchone()


async def add_report(conn: Conn, tenant_id: int, *, day: date, sec_envio: int, envelope_id: int, fingerprint: str,
                     documents: int, total: int) -> None:
    await conn.execute(
        "INSERT INTO rvd_reports (tenant_id, day, sec_envio, envelope_id, fingerprint, documents, total)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, day, sec_envio, envelope_id, fingerprint, documents, total))

