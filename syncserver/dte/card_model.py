"""The tenant's «modelo de emisión» for card sales: read it, and set it from HQ (saved, published to every till as
the tenant-wide feed change ``card_model``, audited, in one transaction). docs/card-sales.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from shared import card_model
from syncserver.store import audit, change_feed, db
from syncserver.store import card_model as card_model_store

FEED_KIND: Final = "card_model"
AUDIT_KIND: Final = "card_model_changed"


@dataclass(frozen=True, slots=True)
class Choice:
    """The tenant's model now; ``set_by``/``set_at`` empty/None while it was never chosen (the default rules)."""

    model: card_model.CardModel
    set_by: str = ""
    set_at: datetime | None = None


async def current(conn: db.Conn, tenant_id: int) -> Choice:
    """The tenant's choice, or :data:`shared.card_model.DEFAULT` when never set (inside the caller's tenant
    transaction)."""
    row = await card_model_store.load(conn, tenant_id)
    if row is None:
        return Choice(card_model.DEFAULT)
    return Choice(card_model.parse(row.model), row.set_by, row.set_at)


def feed_data(choice: Choice) -> dict[str, Any]:
    """What the tills apply (``shared.events.emisor.CardModelReceived``'s fields)."""
    return {"model": choice.model.value, "set_by": choice.set_by,
            "set_at": "" if choice.set_at is None else choice.set_at.isoformat(timespec="seconds")}


async def choose(pool: db.Pool, tenant_id: int, model: card_model.CardModel, *, by: str, at: datetime,
                 address: str = "") -> bool:
    """Set the tenant's model to ``model``: saved, published to every till and written to the audit trail in one
    transaction. Returns False (and changes nothing) when it already was ``model``."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        before = await card_model_store.load(conn, tenant_id, for_update=True)
        old = card_model.DEFAULT if before is None else card_model.parse(before.model)
        if before is not None and old is model:
            return False
        await card_model_store.save(conn, tenant_id, model.value, by, at)
        await change_feed.append_change(conn, tenant_id, FEED_KIND, FEED_KIND, feed_data(Choice(model, by, at)))
        await audit.record(conn, tenant_id=tenant_id, kind=AUDIT_KIND, actor=by, address=address,
                           detail=f"Modelo de emisión: {old.label} → {model.label}.", at=at)
    return True
