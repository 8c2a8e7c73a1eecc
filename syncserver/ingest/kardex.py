"""The master's kardex and cost state: each store's stock movements (``shared.inventory.movements``) costed with
``shared.inventory.step`` (the till's fold), in the order the master folds them, with running balances.

A :class:`Ledger` is one store's books while folding; the ingest loads it from the master for one batch
(:func:`load`) and the rebuild starts it empty and feeds it the store's events in the same order (the
``inventory_folds`` log). Why the order is logged: docs/architecture.md, "Ingest checks" (Kardex and cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from shared import costing
from shared import inventory as inv
from shared.events import envelope
from syncserver.store import bulk, db

KARDEX_COLUMNS: Final = [
    ("tenant_id", "bigint"), ("store_id", "text"), ("sku", "text"), ("pos", "bigint"), ("warehouse_id", "text"),
    ("kind", "text"), ("quantity", "numeric"), ("balance", "numeric"), ("unit_cost", "numeric"),
    ("value", "numeric"), ("document", "text"), ("reference", "text"), ("who", "text"), ("lot", "text"),
    ("occurred_at", "text")]
COST_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("sku", "text"), ("on_hand", "numeric"),
                       ("unit_cost", "numeric"), ("state", "text")]
STOCK_LOCK: Final = "almacen.stock"
"""First key of the per-store advisory lock the ingest holds while it folds a batch that moves the store's goods."""
_EMPTY: Final = inv.CostState()
_ZERO: Final = Decimal(0)
_MILLI: Final = Decimal("0.001")


def lot_text(lot: inv.Lot | None) -> str:
    """A movement's FIFO trace as the kardex keeps it: ``RUT|expiry|purchase_id`` (``""`` when none)."""
    return "" if lot is None else f"{lot.supplier_rut}|{lot.expiry}|{lot.purchase_id}"


def unit_cost(state: inv.CostState, on_hand: Decimal, method: str) -> Decimal | None:
    """What one unit on hand is worth now (CLP neto, 4 places): the stock's value at cost over what is on hand
    (``inv.stock_value``), or the cost a unit leaves at when nothing is on hand; None when never costed."""
    if on_hand > 0 and state.costed:
        return costing.quantize(Decimal(inv.stock_value(state, on_hand, method)) / on_hand)
    return inv.current_cost(state, method)


@dataclass
class Ledger:
    """One store's books while its movements are folded: cost state and on hand (every warehouse) per SKU, on
    hand per (warehouse, SKU), the store's last kardex position; the kardex rows and SKUs touched since the last
    flush."""

    tenant_id: int
    store_id: str
    method: str
    costs: dict[str, inv.CostState] = field(default_factory=dict)
    on_hand: dict[str, Decimal] = field(default_factory=dict)
    balance: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    pos: int = 0
    kardex: list[tuple[Any, ...]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)

    def apply(self, entry: envelope.Envelope, m: inv.Movement) -> None:
        """Fold one movement of ``entry``'s event: its cost (``inv.step``), the balances, a kardex row."""
        self.apply_all(((entry, m),))

    def apply_batch(self, moves: list[tuple[envelope.Envelope, inv.Movement]], switches: list[tuple[int, str]]
                    ) -> None:
        """:meth:`apply_all` of one terminal's ``moves``, switching the costing method where its till journaled
        HQ's settings (``switches``: ``(index of the first movement costed with it, method)``, in order)."""
        start = 0
        for index, method in switches:
            self.apply_all(moves[start:index])
            self.method, start = method, index
        self.apply_all(moves[start:])

    def apply_all(self, moves: Iterable[tuple[envelope.Envelope, inv.Movement]]) -> None:
        """:meth:`apply` each movement in order (one loop: the ingest folds a row per sold line)."""
        step, method, costs, on_hand, balances = inv.step, self.method, self.costs, self.on_hand, self.balance
        tenant_id, store_id, rows, touched = self.tenant_id, self.store_id, self.kardex, self.touched
        pos = self.pos
        for entry, m in moves:
            sku, quantity, warehouse = m.sku, m.quantity, m.warehouse
            before = on_hand.get(sku, _ZERO).quantize(_MILLI)  # one spelling live and in a rebuild: "8.000"
            state, costed = step(costs.get(sku, _EMPTY), m, before, method)
            costs[sku] = state
            on_hand[sku] = before + quantity
            key = (warehouse, sku)
            balance = balances[key] = balances.get(key, _ZERO) + quantity
            pos += 1
            # quantities as text: psycopg dumps a Decimal to binary numeric at twice the cost of its str
            rows.append((tenant_id, store_id, sku, pos, warehouse, m.kind, str(quantity), str(balance),
                         costed.unit_cost, costed.value, m.document, m.reference, m.who,
                         "" if m.lot is None else lot_text(m.lot), entry.occurred_at))
            touched.add(sku)
        self.pos = pos

    async def flush(self, cur: db.Cursor) -> None:
        """Write the kardex rows and the cost state of the SKUs touched since the last flush."""
        await bulk.insert(cur, "kardex", KARDEX_COLUMNS, self.kardex)
        self.kardex = []
        if self.touched:
            await bulk.insert(cur, "cost_state", COST_COLUMNS, [
                (self.tenant_id, self.store_id, sku, self.on_hand[sku],
                 unit_cost(self.costs[sku], self.on_hand[sku], self.method), self.costs[sku].to_json())
                for sku in sorted(self.touched)],
                suffix="ON CONFLICT (tenant_id, store_id, sku) DO UPDATE SET on_hand = excluded.on_hand,"
                       " unit_cost = excluded.unit_cost, state = excluded.state")
            self.touched = set()


async def lock(conn: db.Conn, tenant_id: int, store_id: str) -> None:
    """Hold ``store_id``'s stock lock until the transaction ends: one batch of the store's tills folds its goods at
    a time, so costs, balances and the fold order are those of one sequence."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))",
                       (STOCK_LOCK, f"{tenant_id}/{store_id}"))


DEFAULT_METHOD: Final = "ppp"
"""The costing method a till folds with until it journals HQ's inventory settings."""


async def terminal_method(conn: db.Conn, tenant_id: int, terminal_id: str) -> str:
    """The costing method ``terminal_id``'s till folds with now: the one of the last
    ``InventorySettingsReceived`` it journaled, as logged with the last batch the master folded from it
    (:data:`DEFAULT_METHOD` before any). The master costs a till's movements as that till does."""
    row = await (await conn.execute(
        "SELECT method FROM inventory_folds WHERE tenant_id = %s AND terminal_id = %s"
        " ORDER BY epoch DESC, first_seq DESC LIMIT 1", (tenant_id, terminal_id))).fetchone()
    return DEFAULT_METHOD if row is None else str(row[0])


async def load(conn: db.Conn, tenant_id: int, store_id: str, skus: list[str], costing_method: str) -> Ledger:
    """``store_id``'s books for ``skus`` as the master holds them (in the caller's transaction, under
    :func:`lock`): their cost state, on hand per warehouse of the store."""
    ledger = Ledger(tenant_id, store_id, costing_method)
    rows = await (await conn.execute(
        "SELECT sku, state FROM cost_state WHERE tenant_id = %s AND store_id = %s AND sku = ANY(%s)",
        (tenant_id, store_id, skus))).fetchall()
    ledger.costs = {str(r[0]): inv.CostState.from_json(str(r[1])) for r in rows}
    rows = await (await conn.execute(
        "SELECT s.warehouse_id, s.sku, s.quantity FROM stock s WHERE s.tenant_id = %(tenant)s"
        " AND s.sku = ANY(%(skus)s) AND (s.warehouse_id = %(store)s OR s.warehouse_id IN (SELECT w.warehouse_id"
        " FROM warehouses w WHERE w.tenant_id = %(tenant)s AND w.store_id = %(store)s))",
        {"tenant": tenant_id, "store": store_id, "skus": skus})).fetchall()
    for warehouse_id, sku, quantity in rows:
        ledger.balance[(str(warehouse_id), str(sku))] = Decimal(quantity)
        ledger.on_hand[str(sku)] = ledger.on_hand.get(str(sku), _ZERO) + Decimal(quantity)
    return ledger


async def reserve(conn: db.Conn, tenant_id: int, store_id: str, count: int) -> int:
    """Take the next ``count`` kardex positions of ``store_id`` (``kardex_counters``, under :func:`lock`); returns
    the position before the first."""
    row = await (await conn.execute(
        "INSERT INTO kardex_counters (tenant_id, store_id, last_pos) VALUES (%s, %s, %s) ON CONFLICT (tenant_id,"
        " store_id) DO UPDATE SET last_pos = kardex_counters.last_pos + excluded.last_pos RETURNING last_pos",
        (tenant_id, store_id, count))).fetchone()
    assert row is not None  # INSERT ... RETURNING always returns the row
    return int(row[0]) - count


async def write_counter(cur: db.Cursor, ledger: Ledger) -> None:
    """The rebuild's last position of the ledger's store (what :func:`reserve` goes on from)."""
    await cur.execute("INSERT INTO kardex_counters (tenant_id, store_id, last_pos) VALUES (%s, %s, %s)",
                      (ledger.tenant_id, ledger.store_id, ledger.pos))


async def log_batch(conn: db.Conn, tenant_id: int, store_id: str, entry_range: tuple[envelope.Envelope, int],
                    costing_method: str) -> None:
    """Record that the master folded ``store_id``'s events of the terminal and epoch of ``entry_range[0]`` from its
    seq to ``entry_range[1]`` now (``inventory_folds``: the rebuild folds in this order), and the terminal's costing
    method after them (:func:`terminal_method`)."""
    first, last_seq = entry_range
    await conn.execute(
        "INSERT INTO inventory_folds (tenant_id, store_id, batch, terminal_id, epoch, first_seq, last_seq, method)"
        " SELECT %(tenant)s, %(store)s, COALESCE(max(batch), 0) + 1, %(terminal)s, %(epoch)s, %(first)s, %(last)s,"
        " %(method)s FROM inventory_folds WHERE tenant_id = %(tenant)s AND store_id = %(store)s",
        {"tenant": tenant_id, "store": store_id, "terminal": first.terminal_id, "epoch": first.epoch,
         "first": first.seq, "last": last_seq, "method": costing_method})
