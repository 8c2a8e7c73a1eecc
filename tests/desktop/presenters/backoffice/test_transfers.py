"""The Transferencias page's presenter: a sheet filled by scanning and searching, sent from the sala to the bodega
or to another store; a bad quantity named and kept; what another store sent received line by line with the
differences recorded; a supervisor only reads."""

from __future__ import annotations

from decimal import Decimal

from desktop.presenters.backoffice.transfers import OTHER_STORE, READ_ONLY, TransfersPresenter
from shared.events import inventory as events
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA, bought, warehouses


def _page(terminal, user=ROSA):
    return TransfersPresenter(terminal.transfers, terminal.catalog, terminal.journal.conn, user,
                              warehouses(terminal))


def test_goods_go_from_the_sala_to_the_bodega(terminal):
    bought(terminal, ("LEC-1", "24", 800))
    page = _page(terminal)
    store = terminal.journal.identity.store_id
    assert (page.view.source, page.view.destination) == (store, f"{store}-bodega")
    page.scan("7801234567894")
    page.scan("7801234567894")
    page.search("pan bat")
    page.choose("PAN-1")
    assert page.view.sheet == (("LEC-1 · Leche Entera Colun 1 L", "2", "un"), ("PAN-1 · Pan Batido", "", "kg"))
    page.set_quantity("1,5555")
    assert "3 decimales" in page.view.lines[1].problem
    view = page.send()
    assert view.error and "3 decimales" in view.message and len(view.lines) == 2  # kept
    page.set_quantity("1,5")
    page.select(0)
    assert page.view.quantity == "2"
    page.set_note("reponer góndola")
    view = page.send()
    assert view.message == "Traslado hecho: 2 productos de Sala de ventas a Bodega", view.message
    assert view.lines == () and view.moved == 1
    assert view.history[0][1:] == ("Sala de ventas → Bodega", "Hecho", "2", "—")


def test_goods_sent_to_another_store_and_received_from_one(terminal):
    bought(terminal, ("LEC-1", "24", 800))
    page = _page(terminal)
    page.set_destination(OTHER_STORE)
    page.scan("LEC-1")
    assert page.send().message == "Escriba el código de la tienda de destino"
    page.set_to_store("norte")
    page.set_to_bodega(True)
    view = page.send()
    assert view.message == ("Traslado enviado (queda en camino hasta que lo reciban): 1 producto de Sala de ventas a"
                            " Tienda norte · Bodega"), view.message
    assert view.history[0][2] == "En camino"

    store = terminal.journal.identity.store_id
    terminal.journal.append(events.TransferIncoming(  # as the master forwards it
        "t-norte-1", "norte", "norte-bodega", store,
        (events.TransferLine("LEC-1", "Leche Entera Colun 1 L", Decimal(12), 790),
         events.TransferLine("COC-15", "Coca-Cola 1,5 L", Decimal(6), 1000)), "pedro", "2026-11-19T10:00:00-03:00"))
    view = page.show("incoming")
    assert view.incoming == (("19-11-2026 10:00", "Tienda norte · Bodega", "Sala de ventas", "2"),)
    view = page.open_incoming(0)
    assert view.receipt is not None and view.receipt_rows == (
        ("LEC-1 · Leche Entera Colun 1 L", "12", "12", "—"), ("COC-15 · Coca-Cola 1,5 L", "6", "6", "—"))
    page.select_received(1)
    page.set_received("-1")
    assert page.view.receipt_rows[1][3].startswith("Cantidad no válida")
    assert page.receive().error and page.view.receipt is not None  # refused, kept
    page.set_received("4")
    assert page.view.receipt_rows[1] == ("COC-15 · Coca-Cola 1,5 L", "6", "4", "-2")
    view = page.receive()
    assert view.message == "Traslado recibido con 1 diferencia (-$2.000 a costo)", view.message
    assert view.incoming == () and view.receipt is None
    assert view.history[0][2:] == ("Recibido", "2", "1")


def test_a_supervisor_only_reads(terminal):
    page = _page(terminal, MARTA)
    assert page.view.message == READ_ONLY
    page.scan("LEC-1")
    assert page.send().message == READ_ONLY
    assert not [e for e in terminal.journal.read() if e.type == "inventory.transfer_sent"]
