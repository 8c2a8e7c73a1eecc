"""A store edit that crosses an HQ change, on a real till fed by the change feed's own wire shape: HQ's change
carries who and when, the till keeps its change id, and the manager's save against an older one is refused with
both values, who and when, until saved again knowingly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.journal import inventory_queries
from desktop.services import inventory
from desktop.services.auth import User
from desktop.services.sync import SyncService
from shared import roles
from shared.events import inventory as events
from tests.desktop.services.hq_feed_kit import LECHE, Feed

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)


def _open(terminal) -> tuple[int, int]:
    """What the back office shows when the manager opens Leche: HQ's price and change id."""
    row = inventory_queries.store_product(terminal.journal.conn, "LEC-1")
    hq = inventory_queries.hq_change(terminal.journal.conn, "LEC-1")
    assert row is not None and hq is not None
    return row.hq_price, hq.change_id


@pytest.fixture
def fed(terminal):
    terminal.journal.append(events.InventorySettingsReceived(store_prices=True))
    feed = Feed()
    feed.publish(41, LECHE, 2, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    return terminal, feed


def test_hq_changes_reach_the_till_with_their_change_id_who_and_when(fed) -> None:
    terminal, feed = fed
    hq = inventory_queries.hq_change(terminal.journal.conn, "LEC-1")
    assert hq == inventory_queries.HqChange("LEC-1", 41, 1150, True, 41, "ana@donpepe.cl",
                                            "2026-12-07T12:00:00+00:00", 41, "ana@donpepe.cl",
                                            "2026-12-07T12:00:00+00:00")
    feed.publish(42, {**LECHE, "name": "Leche Entera Colun 1 Litro"}, 3, "luis@donpepe.cl",
                 datetime(2026, 12, 7, 12, 5, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    hq = inventory_queries.hq_change(terminal.journal.conn, "LEC-1")
    assert hq is not None and (hq.change_id, hq.price_change, hq.active_change) == (42, 41, 41)
    terminal.journal.rebuild_projections()
    assert inventory_queries.hq_change(terminal.journal.conn, "LEC-1") == hq


def test_an_edit_crossing_hq_s_price_change_is_refused_with_both_values_who_and_when(fed) -> None:
    terminal, feed = fed
    svc = terminal.inventory
    seen_price, seen_change = _open(terminal)  # $1.150 at change 41
    feed.publish(57, {**LECHE, "price": 1290}, 3, "pepe@donpepe.cl", datetime(2026, 12, 7, 13, 31, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    head = terminal.journal.head
    with pytest.raises(inventory.CrossedEdit) as caught:
        svc.set_product(ROSA, "LEC-1", price="1.190", min_stock="6", location="Pasillo 3", active=True,
                        seen_price=seen_price, seen_change=seen_change)
    when = datetime(2026, 12, 7, 13, 31, tzinfo=UTC).astimezone(terminal.journal.clock().tzinfo)
    assert caught.value.crossings == (inventory.Crossing("precio", "$1.290", "$1.150", "pepe@donpepe.cl",
                                                         f"{when:%d-%m-%Y %H:%M}"),)
    assert (f"Leche Entera Colun 1 L (LEC-1): HQ cambió el precio a $1.290 el {when:%d-%m-%Y %H:%M} "
            "(pepe@donpepe.cl); usted lo vio en $1.150. Su cambio: precio $1.190, se vende.") in str(caught.value)
    assert caught.value.change_id == 57
    assert terminal.journal.head == head  # nothing journaled, HQ's price still sold
    assert inventory_queries.store_product(terminal.journal.conn, "LEC-1").selling_price == 1290
    # the manager saves theirs knowingly: a second save against HQ's latest change
    event = svc.set_product(ROSA, "LEC-1", price="1.190", min_stock="6", location="Pasillo 3", active=True,
                            seen_price=1290, seen_change=caught.value.change_id)
    assert (event.price, event.seen_price, event.seen_change) == (1190, 1290, 57)
    assert inventory_queries.store_product(terminal.journal.conn, "LEC-1").selling_price == 1190


def test_hq_deactivating_the_product_crosses_an_edit_hq_renaming_it_does_not(fed) -> None:
    terminal, feed = fed
    svc = terminal.inventory
    seen_price, seen_change = _open(terminal)
    feed.publish(60, {**LECHE, "name": "Leche Colun 1 L"}, 3, "luis@donpepe.cl",
                 datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    event = svc.set_product(ROSA, "LEC-1", price=None, min_stock="4", location="", active=True,
                            seen_price=seen_price, seen_change=seen_change)  # a name HQ owns: nothing crossed
    assert event.seen_change == 41
    feed.publish(61, {**LECHE, "name": "Leche Colun 1 L", "active": False}, 4, "luis@donpepe.cl",
                 datetime(2026, 12, 7, 14, 10, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    with pytest.raises(inventory.CrossedEdit, match=r"HQ desactivó el producto el \d\d-12-2026 \d\d:10 "
                                                    r"\(luis@donpepe.cl\); usted lo vio activo"):
        svc.set_product(ROSA, "LEC-1", price=None, min_stock="5", location="", active=True,
                        seen_price=seen_price, seen_change=60)


def test_hq_s_price_change_does_not_cross_when_hq_fixes_the_prices(terminal) -> None:
    feed = Feed()
    feed.publish(41, LECHE, 2, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    feed.publish(42, {**LECHE, "price": 1290}, 3, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 5, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    event = terminal.inventory.set_product(ROSA, "LEC-1", price=None, min_stock="6", location="", active=True,
                                           seen_price=1150, seen_change=41)
    assert event.min_stock == 6
