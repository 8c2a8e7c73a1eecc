"""A store's product settings folded against HQ's changes of the product: an HQ change of the price (when stores
set prices) or of the active flag that the store had not seen when it saved is recorded on the store's row (both
values, who at HQ and when); HQ's product is never touched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared import money
from syncserver.store import db

CHILE = ZoneInfo("America/Santiago")


@dataclass(frozen=True, slots=True)
class Saved:
    """A store's ``StoreProductSet`` as folded: the event's place in its stream (whose ``received_at`` bounds the HQ
    changes it could have crossed), HQ's price and change id the manager saw, and the store's own price."""

    terminal_id: str
    epoch: int
    seq: int
    seen_price: int
    seen_change: int
    price: int | None


def crossing(seen: Mapping[str, Any] | None, later: Sequence[tuple[int, Mapping[str, Any]]], saved: Saved,
             store_prices: bool) -> tuple[int, str] | None:
    """HQ's latest change id and the crossing in Spanish, or None when ``later`` (HQ's changes after the one the
    store saw, oldest first: ``(change_id, feed data)``) moved neither the price (only when ``store_prices``) nor
    the active flag. ``seen``: the feed data of the change the store saw (None: none known, the product active)."""
    if not later:
        return None
    said: list[str] = []
    last = later[-1][1]
    if store_prices and int(last["price"]) != saved.seen_price:
        by = _last_to_change(later, "price", saved.seen_price)
        mine = money.format_clp(saved.price) if saved.price is not None else "el precio de HQ"
        said.append(f"HQ cambió el precio a {money.format_clp(int(last['price']))}{_who_when(by)}; la tienda lo vio en"
                    f" {money.format_clp(saved.seen_price)} y guardó {mine}")
    was_active = bool(seen.get("active", True)) if seen is not None else True
    if any(bool(data.get("active", True)) != was_active for _c, data in later):
        by = _last_to_change(later, "active", was_active)
        done = "desactivó el producto" if not bool(last.get("active", True)) else (
            "volvió a activar el producto" if not was_active else "desactivó y volvió a activar el producto")
        said.append(f"HQ {done}{_who_when(by)}; la tienda lo vio {'activo' if was_active else 'desactivado'}")
    return (later[-1][0], "; ".join(said)) if said else None


def _last_to_change(later: Sequence[tuple[int, Mapping[str, Any]]], key: str, before: object) -> Mapping[str, Any]:
    """The change of ``later`` that last moved ``key`` (from ``before``)."""
    found, value = later[-1][1], before
    for _change, data in later:
        now = int(data[key]) if key == "price" else bool(data.get(key, True))
        if now != value:
            found, value = data, now
    return found


def _who_when(data: Mapping[str, Any]) -> str:
    """`` el 07-12-2026 10:31 (pepe@donpepe.cl)`` in Chile's time (``""`` parts unknown)."""
    at = str(data.get("changed_at") or "")
    text = ""
    if at:
        try:
            moment = datetime.fromisoformat(at)
            text = f" el {(moment.astimezone(CHILE) if moment.tzinfo else moment):%d-%m-%Y %H:%M}"
        except ValueError:
            text = f" el {at}"
    by = str(data.get("changed_by") or "")
    return text + (f" ({by})" if by else "")


async def record(cur: db.Cursor, tenant_id: int, saved: Mapping[tuple[str, str], Saved]) -> None:
    """Mark each ``(store, sku)`` row of ``store_product_settings`` just written with its crossing (or none): HQ's
    product changes for that store after the one the store saw, made before the master received the store's edit
    (``events.received_at``: a rebuild finds the same)."""
    if not saved:
        return
    row = await (await cur.execute("SELECT store_prices FROM inventory_settings WHERE tenant_id = %s",
                                   (tenant_id,))).fetchone()
    store_prices = bool(row[0]) if row else False
    for (store_id, sku), s in sorted(saved.items()):
        params = {"t": tenant_id, "sku": sku, "store": store_id, "seen": s.seen_change, "term": s.terminal_id,
                  "epoch": s.epoch, "seq": s.seq}
        where = ("tenant_id = %(t)s AND kind = 'product' AND key = %(sku)s"
                 " AND (store_id IS NULL OR store_id = %(store)s)")
        later = await (await cur.execute(
            f"SELECT change_id, data FROM changes WHERE {where} AND change_id > %(seen)s AND created_at <= COALESCE("
            "(SELECT received_at FROM events WHERE tenant_id = %(t)s AND terminal_id = %(term)s AND epoch = %(epoch)s"
            " AND seq = %(seq)s), now()) ORDER BY change_id", params)).fetchall()
        seen = await (await cur.execute(f"SELECT data FROM changes WHERE {where} AND change_id <= %(seen)s"
                                        " ORDER BY change_id DESC LIMIT 1", params)).fetchone()
        found = crossing(seen[0] if seen else None, [(int(c), d) for c, d in later], s, store_prices)
        await cur.execute("UPDATE store_product_settings SET crossed_change = %s, crossed = %s WHERE tenant_id = %s"
                          " AND store_id = %s AND sku = %s",
                          (found[0] if found else None, found[1] if found else "", tenant_id, store_id, sku))
