"""Load the demo store into a new terminal journal with no server (``almacen pos demo --headless``, ``pos init
--demo``): its catalog, opening stock and users. With a server, HQ holds the catalog and users (scripts/demo_fleet.py
creates them through the server's services) and the till only counts its opening stock here."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from desktop.terminal import Terminal
from shared import roles
from shared.events import catalog as catalog_events

DEMO_USERS = (
    ("ana", "Ana Pérez", roles.Role.CASHIER, "1234"),
    ("pedro", "Pedro Soto", roles.Role.CASHIER, "2345"),
    ("marta", "Marta Rojas", roles.Role.SUPERVISOR, "9999"),
    ("rosa", "Rosa Díaz", roles.Role.ADMIN, "0000"),
)
"""``(user_id, name, role, PIN)``: the README lists these PINs for trying the demo."""


def product_event(row: dict[str, str]) -> catalog_events.ProductUpserted:
    """A catalog CSV row (columns of ``desktop/demo/catalog.csv``) as a ``ProductUpserted`` event."""
    return catalog_events.ProductUpserted(
        sku=row["sku"], name=row["name"], price=int(row["price"]), category=row["category"],
        sold_by=row["sold_by"], barcodes=(row["barcode"],) if row["barcode"] else (), plu=row["plu"] or None,
        brand=row["brand"], iva_exempt=row["iva_exempt"] == "1", favourite=row["favourite"] == "1")


def load_products(terminal: Terminal, rows: Iterable[dict[str, str]], *, with_stock: bool = True,
                  batch: int = 5000) -> int:
    """Journal products (and their opening stock) in batches of one transaction each; returns the count."""
    count = 0
    pending: list[dict[str, str]] = []

    def flush() -> None:
        with terminal.journal.unit_of_work() as uow:
            for row in pending:
                uow.append(product_event(row))
                if with_stock and row.get("stock"):
                    uow.append(catalog_events.StockAdjusted(row["sku"], Decimal(row["stock"]), "apertura"))
        pending.clear()

    for row in rows:
        pending.append(row)
        count += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return count


def load_stock(terminal: Terminal, rows: Iterable[dict[str, str]]) -> int:
    """Journal the opening count (``stock.adjusted``, reason ``apertura``) of the rows with a ``stock`` in one
    transaction, as the store counts its shelves on its first day; returns how many."""
    counted = [(row["sku"], Decimal(row["stock"])) for row in rows if row.get("stock")]
    with terminal.journal.unit_of_work() as uow:
        for sku, quantity in counted:
            uow.append(catalog_events.StockAdjusted(sku, quantity, "apertura"))
    return len(counted)


def seed(terminal: Terminal, rows: Iterable[dict[str, str]] | None = None) -> None:
    """Users with their PINs, then the catalog (the demo store's 2,000+ products unless ``rows`` is given)."""
    for user_id, name, role, pin in DEMO_USERS:
        terminal.auth.enroll(user_id, name, role, pin)
    if rows is None:
        from desktop.demo import catalog_data

        rows = catalog_data.load_demo_rows()
    load_products(terminal, rows)
