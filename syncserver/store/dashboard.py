"""HQ's dashboard figures from the master's read models: sales per store against the same days last week, the
hour-by-weekday heat map, top products with their margin, tenders, tills that have not synced, and the alerts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from syncserver.store import customers, db, inventory

CHILE: Final = ZoneInfo("America/Santiago")
STALE_AFTER: Final = timedelta(minutes=30)
"""A till whose last sync is older than this (or that never synced) is listed as not synced: an online till pushes
every few seconds, so half an hour without one means it is off, offline or stuck."""
HEAT_DAYS: Final = 28
"""The heat map covers the last four weeks (today included), so every weekday counts four times."""
TOP: Final = 10
"""Products in the top list."""

# ``occurred_at`` is the till's ISO text with its offset: a text range (a day either side of the Chile dates) narrows
# the rows on the (tenant, store, occurred_at) index; the cast to Chile's local time decides what is in the window.
_LOCAL = "(s.occurred_at::timestamptz AT TIME ZONE 'America/Santiago')"
_WINDOW = ("s.tenant_id = %(t)s AND s.store_id = ANY(%(stores)s) AND s.occurred_at >= %(low)s"
           " AND s.occurred_at < %(high)s")


@dataclass(frozen=True, slots=True)
class StoreSales:
    """One store's sales (CLP as charged, IVA included; ``*_count``: sales) today from 00:00 to now, the same weekday
    last week up to the same time, this week (Monday 00:00 to now) and last week up to the same moment."""

    store_id: str
    name: str
    today_count: int
    today_total: int
    last_today_count: int
    last_today_total: int
    week_count: int
    week_total: int
    last_week_count: int
    last_week_total: int


@dataclass(frozen=True, slots=True)
class TopProduct:
    """A product of this week's sales: ``units`` sold (kg for products sold by weight), ``amount`` charged (CLP, IVA
    included), ``neto`` of the lines whose cost the till recorded, their ``cost`` and ``margin`` (neto − cost)."""

    sku: str
    name: str
    units: Any  # Decimal
    amount: int
    neto: int
    cost: int
    margin: int


@dataclass(frozen=True, slots=True)
class Margin:
    """This week's margin over the sold lines whose cost the till recorded: ``neto`` (without IVA: a line of a product
    not exempt is ``amount / 1.19`` rounded half up), ``cost`` (CLP neto), ``margin`` = neto − cost; the lines
    without a recorded cost are counted apart (``uncosted_lines``, ``uncosted_amount`` as charged)."""

    neto: int
    cost: int
    margin: int
    uncosted_lines: int
    uncosted_amount: int

    @property
    def percent(self) -> float | None:
        """Margin over neto, in percent (None when nothing costed was sold)."""
        return None if self.neto == 0 else 100.0 * self.margin / self.neto


@dataclass(frozen=True, slots=True)
class StaleTill:
    """An active till of the stores that has not synced for :data:`STALE_AFTER` (``last_sync_at`` None: never)."""

    terminal_id: str
    name: str
    store_id: str
    last_sync_at: datetime | None
    pending_reported: int


@dataclass(frozen=True, slots=True)
class Alerts:
    """What needs someone: stock rows below the store's minimum or negative (``inventory.stock_in``), documents the
    SII rejected, quarantined events of the stores' tills, open fiado flags of kind ``over_limit``
    (``customers.flags``) of the stores."""

    stock_below: int
    rejected: int
    quarantined: int
    fiado_over: list[customers.FlagRow]

    @property
    def total(self) -> int:
        return self.stock_below + self.rejected + self.quarantined + len(self.fiado_over)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows for ``stores`` at ``now`` (aware). ``heat[d][h]``: CLP sold on ISO weekday
    ``d + 1`` (Monday first) at hour ``h`` (Chile time) over the last :data:`HEAT_DAYS` days; ``tenders``: this
    week's CLP per means of payment as applied to the sale (``sale_tenders.amount``), largest first."""

    now: datetime
    stores: list[StoreSales]
    heat: list[list[int]]
    top: list[TopProduct]
    margin: Margin
    tenders: list[tuple[str, int]]
    stale: list[StaleTill]
    alerts: Alerts


@dataclass(frozen=True, slots=True)
class Bounds:
    """The local (Chile, naive) instants of the dashboard's windows."""

    now: datetime
    today: datetime
    last_now: datetime
    last_today: datetime
    week: datetime
    last_week: datetime
    heat_from: datetime

    @staticmethod
    def at(now: datetime) -> Bounds:
        local = now.astimezone(CHILE).replace(tzinfo=None)
        today = datetime.combine(local.date(), time())
        week = today - timedelta(days=today.weekday())
        return Bounds(local, today, local - timedelta(days=7), today - timedelta(days=7), week,
                      week - timedelta(days=7), today - timedelta(days=HEAT_DAYS - 1))

    def text_range(self, start: datetime) -> dict[str, str]:
        """The ``occurred_at`` text bounds that hold every sale from ``start`` to now, a day of margin either side."""
        return {"low": (start.date() - timedelta(days=1)).isoformat(),
                "high": (self.now.date() + timedelta(days=2)).isoformat()}


async def store_sales(conn: db.Conn, tenant_id: int, stores: Sequence[tuple[str, str]], now: datetime
                      ) -> list[StoreSales]:
    """:class:`StoreSales` of each ``(store_id, name)``, in that order (a store without sales with zeros)."""
    b = Bounds.at(now)
    params: dict[str, Any] = {"t": tenant_id, "stores": [s for s, _ in stores], **b.text_range(b.last_week),
                              "now": b.now, "today": b.today, "lnow": b.last_now, "ltoday": b.last_today,
                              "week": b.week, "lweek": b.last_week}
    rows = await (await conn.execute(
        f"SELECT store_id, count(*) FILTER (WHERE l >= %(today)s AND l <= %(now)s),"
        " COALESCE(sum(total) FILTER (WHERE l >= %(today)s AND l <= %(now)s), 0),"
        " count(*) FILTER (WHERE l >= %(ltoday)s AND l <= %(lnow)s),"
        " COALESCE(sum(total) FILTER (WHERE l >= %(ltoday)s AND l <= %(lnow)s), 0),"
        " count(*) FILTER (WHERE l >= %(week)s AND l <= %(now)s),"
        " COALESCE(sum(total) FILTER (WHERE l >= %(week)s AND l <= %(now)s), 0),"
        " count(*) FILTER (WHERE l >= %(lweek)s AND l <= %(lnow)s),"
        " COALESCE(sum(total) FILTER (WHERE l >= %(lweek)s AND l <= %(lnow)s), 0)"
        f" FROM (SELECT s.store_id, s.total, {_LOCAL} AS l FROM sales s WHERE {_WINDOW}) w GROUP BY store_id",
        params)).fetchall()
    found = {str(r[0]): [int(v) for v in r[1:]] for r in rows}
    return [StoreSales(store_id, name, *found.get(store_id, [0] * 8)) for store_id, name in stores]


async def heat_map(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[list[int]]:
    """CLP sold per ISO weekday (index 0 = Monday) and hour (0–23, Chile time) over the last :data:`HEAT_DAYS`
    days up to ``now``."""
    b = Bounds.at(now)
    rows = await (await conn.execute(
        f"SELECT extract(isodow FROM l)::int, extract(hour FROM l)::int, sum(total)"
        f" FROM (SELECT s.total, {_LOCAL} AS l FROM sales s WHERE {_WINDOW}) w"
        " WHERE l >= %(from)s AND l <= %(now)s GROUP BY 1, 2",
        {"t": tenant_id, "stores": list(stores), **b.text_range(b.heat_from), "from": b.heat_from,
         "now": b.now})).fetchall()
    heat = [[0] * 24 for _ in range(7)]
    for dow, hour, total in rows:
        heat[int(dow) - 1][int(hour)] = int(total)
    return heat


_WEEK_LINES = (
    "SELECT l.sku, l.name, l.quantity, l.amount, l.cost,"
    " CASE WHEN COALESCE(p.iva_exempt, false) THEN l.amount ELSE round(l.amount / 1.19) END AS neto"
    f" FROM sales s JOIN sale_lines l ON l.tenant_id = s.tenant_id AND l.sale_id = s.sale_id"
    " LEFT JOIN products p ON p.tenant_id = s.tenant_id AND p.sku = l.sku"
    f" WHERE {_WINDOW} AND {_LOCAL} >= %(week)s AND {_LOCAL} <= %(now)s")


async def week_products(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime, limit: int = TOP
                        ) -> tuple[list[TopProduct], Margin]:
    """This week's (Monday 00:00 to ``now``) best-selling products by pesos charged, then SKU (``limit`` of them),
    and the week's :class:`Margin` over every product, read in one pass over the week's lines."""
    b = Bounds.at(now)
    rows = await (await conn.execute(
        "WITH g AS (SELECT sku, max(name) AS name, sum(quantity) AS units, sum(amount) AS amount,"
        " COALESCE(sum(neto) FILTER (WHERE cost IS NOT NULL), 0) AS neto, COALESCE(sum(cost), 0) AS cost,"
        " count(*) FILTER (WHERE cost IS NULL) AS uncosted,"
        " COALESCE(sum(amount) FILTER (WHERE cost IS NULL), 0) AS uncosted_amount"
        " FROM (" + _WEEK_LINES + ") x GROUP BY sku)"
        " SELECT sku, name, units, amount, neto, cost, sum(neto) OVER (), sum(cost) OVER (), sum(uncosted) OVER (),"
        " sum(uncosted_amount) OVER () FROM g ORDER BY amount DESC, sku LIMIT %(limit)s",
        {"t": tenant_id, "stores": list(stores), **b.text_range(b.week), "week": b.week, "now": b.now,
         "limit": max(1, limit)})).fetchall()
    top = [TopProduct(str(r[0]), str(r[1]), r[2], int(r[3]), int(r[4]), int(r[5]), int(r[4]) - int(r[5]))
           for r in rows[:limit]]
    if not rows:
        return top, Margin(0, 0, 0, 0, 0)
    neto, cost = int(rows[0][6]), int(rows[0][7])
    return top, Margin(neto, cost, neto - cost, int(rows[0][8]), int(rows[0][9]))


async def top_products(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime, limit: int = TOP
                       ) -> list[TopProduct]:
    """This week's best-selling products (:func:`week_products`)."""
    return (await week_products(conn, tenant_id, stores, now, limit))[0]


async def margin(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> Margin:
    """This week's :class:`Margin` of ``stores`` (:func:`week_products`)."""
    return (await week_products(conn, tenant_id, stores, now, 0))[1]


async def tenders(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[tuple[str, int]]:
    """This week's CLP per means of payment (``sale_tenders.amount``), largest first, then by kind."""
    b = Bounds.at(now)
    rows = await (await conn.execute(
        "SELECT t.kind, sum(t.amount) FROM sales s JOIN sale_tenders t ON t.tenant_id = s.tenant_id"
        f" AND t.sale_id = s.sale_id WHERE {_WINDOW} AND {_LOCAL} >= %(week)s AND {_LOCAL} <= %(now)s"
        " GROUP BY t.kind ORDER BY 2 DESC, 1",
        {"t": tenant_id, "stores": list(stores), **b.text_range(b.week), "week": b.week, "now": b.now})).fetchall()
    return [(str(k), int(v)) for k, v in rows]


async def stale_tills(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[StaleTill]:
    """The active tills of ``stores`` not synced since ``now − STALE_AFTER`` (never synced first, then oldest)."""
    rows = await (await conn.execute(
        "SELECT terminal_id, name, store_id, last_sync_at, pending_reported FROM terminals WHERE tenant_id = %s"
        " AND store_id = ANY(%s) AND status = 'active' AND (last_sync_at IS NULL OR last_sync_at < %s)"
        " ORDER BY last_sync_at NULLS FIRST, name, terminal_id",
        (tenant_id, list(stores), now - STALE_AFTER))).fetchall()
    return [StaleTill(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4])) for r in rows]


async def alerts(conn: db.Conn, tenant_id: int, stores: Sequence[str], *, every_store: bool) -> Alerts:
    """The :class:`Alerts` of ``stores``; ``every_store`` (an owner or accountant) also counts the rejected
    documents HQ itself issued (no till, no store)."""
    page, _totals = await inventory.stock_in(conn, tenant_id, stores=stores, alerts_only=True, limit=0)
    rejected = await (await conn.execute(
        "SELECT count(*) FROM dte_outbox o WHERE o.tenant_id = %(t)s AND o.state = 'rejected' AND (%(all)s OR EXISTS"
        " (SELECT 1 FROM dte_documents d JOIN terminals st ON st.tenant_id = d.tenant_id"
        " AND st.terminal_id = d.terminal_id WHERE d.tenant_id = o.tenant_id AND d.tipo = o.tipo"
        " AND d.folio = o.folio AND st.store_id = ANY(%(stores)s)))",
        {"t": tenant_id, "all": every_store, "stores": list(stores)})).fetchone()
    quarantined = await (await conn.execute(
        "SELECT count(*) FROM quarantine q JOIN terminals t ON t.tenant_id = q.tenant_id"
        " AND t.terminal_id = q.terminal_id WHERE q.tenant_id = %s AND t.store_id = ANY(%s)",
        (tenant_id, list(stores)))).fetchone()
    assert rejected is not None and quarantined is not None
    wanted = set(stores)
    over = [f for f in await customers.flags(conn, tenant_id) if f.kind == "over_limit"
            and (every_store or wanted & set(f.stores))]
    return Alerts(page.total, int(rejected[0]), int(quarantined[0]), over)


async def dashboard(conn: db.Conn, tenant_id: int, stores: Sequence[tuple[str, str]], now: datetime, *,
                    every_store: bool) -> Dashboard:
    """Every figure of the dashboard for ``stores`` (``(store_id, name)``, those the user sees) at ``now``."""
    ids = [s for s, _ in stores]
    per_store = await store_sales(conn, tenant_id, stores, now)
    heat = await heat_map(conn, tenant_id, ids, now)
    top, week_margin = await week_products(conn, tenant_id, ids, now)
    return Dashboard(now, per_store, heat, top, week_margin, await tenders(conn, tenant_id, ids, now),
                     await stale_tills(conn, tenant_id, ids, now), await alerts(conn, tenant_id, ids,
                                                                                every_store=every_store))


async def marker(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> str:
    """A short text that changes whenever something the dashboard shows may have changed for ``stores``: a sale
    stored (count and sum of sales since yesterday's date), a till's sync, an event quarantined, a document's SII
    state, a fiado flag. The live page compares it, and reloads its figures only when it differs."""
    since = (now.astimezone(CHILE).date() - timedelta(days=1)).isoformat()
    row = await (await conn.execute(
        "SELECT (SELECT count(*)::text || ':' || COALESCE(sum(total), 0)::text FROM sales WHERE tenant_id = %(t)s"
        " AND store_id = ANY(%(stores)s) AND occurred_at >= %(since)s),"
        " (SELECT COALESCE(max(last_sync_at)::text, '') || ':' || count(*)::text FROM terminals"
        " WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)),"
        " (SELECT count(*) FROM quarantine WHERE tenant_id = %(t)s),"
        " (SELECT COALESCE(max(updated_at)::text, '') FROM dte_outbox WHERE tenant_id = %(t)s),"
        " (SELECT count(*) FROM fiado_flags WHERE tenant_id = %(t)s AND resolved_at IS NULL)",
        {"t": tenant_id, "stores": list(stores), "since": since})).fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]
