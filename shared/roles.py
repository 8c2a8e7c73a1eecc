"""Roles of terminal users and what each may authorise with its PIN."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    CASHIER = "cajero"
    SUPERVISOR = "supervisor"
    ADMIN = "administrador"

    @property
    def label(self) -> str:
        return {Role.CASHIER: "Cajero", Role.SUPERVISOR: "Supervisor", Role.ADMIN: "Administrador"}[self]


class Action(enum.Enum):
    """Actions that need a supervisor's PIN at the till."""

    VOID_LINE = "void_line"
    DISCOUNT = "discount"
    OPEN_DRAWER = "open_drawer"
    CASH_OUT = "cash_out"
    RETURN = "return"
    PURCHASE = "purchase"
    OPEN_PRICE = "open_price"
    MERMA = "merma"
    FIADO_OVER_LIMIT = "fiado_over_limit"
    """A charge on credit beyond the customer's limit or the offline allowance (docs/fiado.md)."""
    FIADO_REVERSAL = "fiado_reversal"
    """Reversing a payment (abono) on a customer's account."""

    @property
    def label(self) -> str:
        return {Action.VOID_LINE: "anular línea", Action.DISCOUNT: "descuento sobre el límite",
                Action.OPEN_DRAWER: "abrir cajón sin venta", Action.CASH_OUT: "retiro de efectivo",
                Action.RETURN: "devolución", Action.PURCHASE: "registrar compra",
                Action.OPEN_PRICE: "vender sin catálogo", Action.MERMA: "merma sobre el umbral",
                Action.FIADO_OVER_LIMIT: "fiado sobre el cupo", Action.FIADO_REVERSAL: "reversar abono de fiado"}[self]


def can_authorise(role: Role, action: Action) -> bool:
    """Supervisors and administrators authorise every till action; cashiers none."""
    del action
    return role in (Role.SUPERVISOR, Role.ADMIN)
