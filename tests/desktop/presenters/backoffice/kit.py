"""What the back-office presenter tests share: the demo users as the back office signs them in, and a purchase
that gives the store's products a cost."""

from __future__ import annotations

from desktop.services import inventory
from desktop.services.auth import User
from desktop.terminal import Terminal
from shared import roles

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
"""The administradora: she acts."""
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
"""A supervisor: she reads."""
SUPPLIER = "76.123.456-0"


def warehouses(terminal: Terminal) -> list[inventory.Warehouse]:
    return list(inventory.warehouses(terminal.journal))


def bought(terminal: Terminal, *lines: tuple[str, str, int], folio: int = 1) -> None:
    """A paper factura of :data:`SUPPLIER` bringing ``(sku, quantity, unit cost)`` lines into the sala."""
    assert terminal.purchases is not None
    typed = [terminal.purchases.manual_line(sku, quantity, cost) for sku, quantity, cost in lines]
    terminal.purchases.record_manual(ROSA, SUPPLIER, 33, folio, "15-11-2026", typed,
                                     razon_social="Distribuidora Andes Ltda.")
