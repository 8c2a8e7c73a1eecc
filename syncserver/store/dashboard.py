"""HQ's dashboard figures: sales per store against the same days last week, the hour-by-weekday heat map, top
products with their margin, tenders (from the report rollups kept at ingest, ``syncserver.store.rollups``; the
current hour's part that must stop at a moment from ``sales``), tills that have not synced, and the alerts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from shared import reports
from syncserver.store import customers, db, documents, inventory, rollups, supplier_answers

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
    """A product of this week's sales, less what was returned (``shared.reports``: a sale's discount shared among
    its lines): ``units`` sold (kg for products sold by weight), ``amount`` charged (CLP, IVA included), ``neto`` of
    the lines whose cost the till recorded, their ``cost`` and ``margin`` (neto − cost)."""

    sku: str
    name: str
    units: Any  # Decimal
    amount: int
    neto: int
    cost: int
    margin: int


@dataclass(frozen=True, slots=True)
class Margin:
    """This week's margin over the sold lines whose cost the till recorded, less returns: ``neto`` (without IVA:
    ``shared.reports.line_neto`` of each line's share), ``cost`` (CLP neto), ``margin`` = neto − cost; the neto of
    the lines without a recorded cost apart (``uncosted_neto``)."""

    neto: int
    cost: int
    margin: int
    uncosted_neto: int

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
    answers_due: list[supplier_answers.DueAnswer] = field(default_factory=list)
    """Suppliers' facturas to answer with 2 days or fewer left (Ley 19.983: :func:`supplier_answers.due_soon`)."""
    rejected_references: list[documents.RejectedReference] = field(default_factory=list)
    """Notas HQ issued on a document the SII then rejected, not annulled yet (``documents.rejected_references``;
    counted for an owner or accountant: HQ's documents belong to no store)."""

    @property
    def total(self) -> int:
        return (self.stock_below + self.rejected + self.quarantined + len(self.fiado_over) + len(self.answers_due)
                + len(self.rejected_references))


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows for ``stores`` at ``now`` (aware). ``heat[d][h]``: CLP sold on ISO weekday
    ``d + 1`` (Monday first) at hour ``h`` (Chile time) over the last :data:`HEAT_DAYS` days; ``tenders``: this
    week's CLP per means of payment as the drawer kept it (received net of change, refunds subtracted:
    ``report_tenders``), largest first."""

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


def _slot(local: datetime) -> dict[str, Any]:
    """The day, the hour and where that hour starts (local, naive) of a local moment."""
    return {"day": local.date(), "hour": local.hour, "from": local.replace(minute=0, second=0, microsecond=0)}


_PARTIAL = ("SELECT s.store_id, {local}::date AS day, s.total FROM sales s WHERE s.tenant_id = %(t)s"
            " AND s.store_id = ANY(%(stores)s) AND s.occurred_at >= %({p}low)s AND s.occurred_at < %({p}high)s"
            " AND {local} >= %({p}from)s AND {local} <= %({p}now)s")
"""The sales of an hour up to a moment (the rollups keep whole hours), ``{p}`` naming its parameters."""


def _partial(prefix: str, slot: dict[str, Any], moment: datetime) -> tuple[str, dict[str, Any]]:
    """:data:`_PARTIAL` for the hour of ``slot`` up to ``moment`` (local), with its parameters."""
    return (_PARTIAL.format(local=_LOCAL, p=prefix),
            {f"{prefix}low": (slot["day"] - timedelta(days=1)).isoformat(),
             f"{prefix}high": (slot["day"] + timedelta(days=2)).isoformat(), f"{prefix}from": slot["from"],
             f"{prefix}now": moment})


async def store_sales(conn: db.Conn, tenant_id: int, stores: Sequence[tuple[str, str]], now: datetime
                      ) -> list[StoreSales]:
    """:class:`StoreSales` of each ``(store_id, name)``, in that order (a store without sales with zeros): whole
    days from ``report_days``, today's and last week's same day's whole hours before now's from ``report_sales``,
    the two partial hours from ``sales``."""
    b = Bounds.at(now)
    slot, last = _slot(b.now), _slot(b.last_now)
    current, current_params = _partial("", slot, b.now)
    before, before_params = _partial("l", last, b.last_now)
    params: dict[str, Any] = {
        "t": tenant_id, "stores": [s for s, _ in stores], "today": slot["day"], "ltoday": last["day"],
        "week": b.week.date(), "lweek": b.last_week.date(), "hour": slot["hour"], **current_params, **before_params}
    rows = await (await conn.execute(
        "SELECT store_id, count(*) FILTER (WHERE day = %(today)s AND p), sum(tickets) FILTER (WHERE day = %(today)s),"
        " sum(total) FILTER (WHERE day = %(today)s), sum(tickets) FILTER (WHERE day = %(ltoday)s),"
        " sum(total) FILTER (WHERE day = %(ltoday)s), sum(tickets) FILTER (WHERE day >= %(week)s),"
        " sum(total) FILTER (WHERE day >= %(week)s), sum(tickets) FILTER (WHERE day < %(week)s),"
        " sum(total) FILTER (WHERE day < %(week)s) FROM ("
        " SELECT store_id, day, tickets, total, false AS p FROM report_days WHERE tenant_id = %(t)s"
        " AND store_id = ANY(%(stores)s) AND ((day >= %(lweek)s AND day < %(ltoday)s)"
        " OR (day >= %(week)s AND day < %(today)s))"
        " UNION ALL SELECT store_id, day, tickets, total, false FROM report_sales WHERE tenant_id = %(t)s"
        " AND store_id = ANY(%(stores)s) AND day IN (%(today)s, %(ltoday)s) AND hour < %(hour)s"
        " UNION ALL SELECT store_id, day, 1, total, true FROM (" + current + " UNION ALL " + before + ") x)"
        " w GROUP BY store_id",
        params)).fetchall()
    found = {str(r[0]): [int(v or 0) for v in r[2:]] for r in rows}
    return [StoreSales(store_id, name, *found.get(store_id, [0] * 8)) for store_id, name in stores]


async def heat_map(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[list[int]]:
    """CLP sold per ISO weekday (index 0 = Monday) and hour (0–23, Chile time) over the last :data:`HEAT_DAYS`
    days up to ``now``: ``report_sales`` up to the hour before now's, now's hour from ``sales``."""
    b = Bounds.at(now)
    slot = _slot(b.now)
    current, current_params = _partial("", slot, b.now)
    rows = await (await conn.execute(
        "SELECT extract(isodow FROM day)::int, hour, sum(total) FROM ("
        " SELECT day, hour, total FROM report_sales WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)"
        " AND day >= %(from_day)s AND (day < %(today)s OR (day = %(today)s AND hour < %(hour)s))"
        " UNION ALL SELECT day, %(hour)s, total FROM (" + current + ") x) w GROUP BY 1, 2",
        {"t": tenant_id, "stores": list(stores), "from_day": b.heat_from.date(), "today": slot["day"],
         "hour": slot["hour"], **current_params})).fetchall()
    heat = [[0] * 24 for _ in range(7)]
    for dow, hour, total in rows:
        heat[int(dow) - 1][int(hour)] = int(total)
    return heat


async def week_products(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime, limit: int = TOP,
                        *, all_stores: bool = False) -> tuple[list[TopProduct], Margin]:
    """This week's (Monday to today, every sale synced so far) best-selling products by pesos charged, then SKU
    (``limit`` of them), and the week's :class:`Margin` over every product, from ``report_product_days`` (the
    tenant's own rows when ``all_stores``: the caller covers every store of the tenant)."""
    b = Bounds.at(now)
    scope = "store_id = %(every)s" if all_stores else "store_id = ANY(%(stores)s)"
    rows = await (await conn.execute(
        "WITH g AS (SELECT sku, sum(units) AS units, sum(total) AS amount, sum(neto) AS neto,"
        " sum(costed_neto) AS costed, sum(cost) AS cost FROM report_product_days WHERE tenant_id = %(t)s AND "
        + scope + " AND day >= %(week)s AND day <= %(today)s GROUP BY sku)"
        " SELECT g.sku, COALESCE(p.name, g.sku), g.units, g.amount, g.costed, g.cost, sum(g.costed) OVER (),"
        " sum(g.cost) OVER (), sum(g.neto - g.costed) OVER () FROM g LEFT JOIN products p ON p.tenant_id = %(t)s"
        " AND p.sku = g.sku ORDER BY amount DESC, g.sku LIMIT %(limit)s",
        {"t": tenant_id, "stores": list(stores), "every": rollups.ALL_STORES, "week": b.week.date(),
         "today": b.now.date(), "limit": max(1, limit)})).fetchall()
    top = [TopProduct(str(r[0]), str(r[1]), reports.units_of(int(r[2])), int(r[3]), int(r[4]), int(r[5]),
                      int(r[4]) - int(r[5])) for r in rows[:limit]]
    if not rows:
        return top, Margin(0, 0, 0, 0)
    neto, cost = int(rows[0][6]), int(rows[0][7])
    return top, Margin(neto, cost, neto - cost, int(rows[0][8]))


async def top_products(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime, limit: int = TOP
                       ) -> list[TopProduct]:
    """This week's best-selling products (:func:`week_products`)."""
    return (await week_products(conn, tenant_id, stores, now, limit))[0]


async def margin(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> Margin:
    """This week's :class:`Margin` of ``stores`` (:func:`week_products`)."""
    return (await week_products(conn, tenant_id, stores, now, 0))[1]


async def tenders(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[tuple[str, int]]:
    """This week's (Monday to today, every sale synced so far) CLP per means of payment as the drawer kept it
    (``report_tenders``: received net of change, refunds subtracted), largest first, then by kind."""
    b = Bounds.at(now)
    rows = await (await conn.execute(
        "SELECT kind, sum(amount) FROM report_tenders WHERE tenant_id = %s AND store_id = ANY(%s) AND day >= %s"
        " AND day <= %s GROUP BY kind HAVING sum(amount) <> 0 ORDER BY 2 DESC, 1",
        (tenant_id, list(stores), b.week.date(), b.now.date()))).fetchall()
    return [(str(k), int(v)) for k, v in rows]


async def stale_tills(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> list[StaleTill]:
    """The active tills of ``stores`` not synced since ``now − STALE_AFTER`` (never synced first, then oldest)."""
    rows = await (await conn.execute(
        "SELECT terminal_id, name, store_id, last_sync_at, pending_reported FROM terminals WHERE tenant_id = %s"
        " AND store_id = ANY(%s) AND status = 'active' AND (last_sync_at IS NULL OR last_sync_at < %s)"
        " ORDER BY last_sync_at NULLS FIRST, name, terminal_id",
        (tenant_id, list(stores), now - STALE_AFTER))).fetchall()
    return [StaleTill(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4])) for r in rows]


async def stock_alerts(conn: db.Conn, tenant_id: int, stores: Sequence[str]) -> int:
    """How many stock rows of ``stores`` the Stock page flags (``inventory.stock_in(..., alerts_only=True)``'s
    total: a row below its store's minimum, or negative), from the Stock page's kept rows without writing
    (``inventory.alert_rows``: the dashboard may read a replica)."""
    return await inventory.alert_rows(conn, tenant_id, stores)


async def alerts(conn: db.Conn, tenant_id: int, stores: Sequence[str], *, every_store: bool) -> Alerts:
    """The :class:`Alerts` of ``stores``; ``every_store`` (an owner or accountant) also counts the rejected
    documents HQ itself issued (no till, no store)."""
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
    references = [x for x in await documents.rejected_references(conn, tenant_id) if x.annulled_by is None] \
        if every_store else []
    return Alerts(await stock_alerts(conn, tenant_id, stores), int(rejected[0]), int(quarantined[0]), over,
                  rejected_references=references)


async def dashboard(conn: db.Conn, tenant_id: int, stores: Sequence[tuple[str, str]], now: datetime, *,
                    every_store: bool) -> Dashboard:
    """Every figure of the dashboard for ``stores`` (``(store_id, name)``, those the user sees) at ``now``."""
    ids = [s for s, _ in stores]
    per_store = await store_sales(conn, tenant_id, stores, now)
    heat = await heat_map(conn, tenant_id, ids, now)
    top, week_margin = await week_products(conn, tenant_id, ids, now, all_stores=every_store)
    found = replace(await alerts(conn, tenant_id, ids, every_store=every_store),
                    answers_due=await supplier_answers.due_soon(conn, tenant_id, ids, now.astimezone(CHILE).date()))
    return Dashboard(now, per_store, heat, top, week_margin, await tenders(conn, tenant_id, ids, now),
                     await stale_tills(conn, tenant_id, ids, now), found)


async def marker(conn: db.Conn, tenant_id: int, stores: Sequence[str], now: datetime) -> str:
    """A short text that changes whenever something the dashboard shows may have changed for ``stores``: a sale or
    a return stored (their count and sums since yesterday in ``report_days``, kept at ingest), a till's sync, an event
    quarantined, a document's SII state, a fiado flag. The live page compares it, and reloads its figures only when
    it differs."""
    since = now.astimezone(CHILE).date() - timedelta(days=1)
    row = await (await conn.execute(
        "SELECT (SELECT COALESCE(sum(tickets), 0)::text || ':' || COALESCE(sum(total), 0)::text || ':'"
        " || COALESCE(sum(returns), 0)::text FROM report_days WHERE tenant_id = %(t)s"
        " AND store_id = ANY(%(stores)s) AND day >= %(since)s),"
        " (SELECT COALESCE(max(last_sync_at)::text, '') || ':' || count(*)::text FROM terminals"
        " WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)),"
        " (SELECT count(*) FROM quarantine WHERE tenant_id = %(t)s),"
        " (SELECT COALESCE(max(updated_at)::text, '') FROM dte_outbox WHERE tenant_id = %(t)s),"
        " (SELECT count(*) FROM fiado_flags WHERE tenant_id = %(t)s AND resolved_at IS NULL)",
        {"t": tenant_id, "stores": list(stores), "since": since})).fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]
