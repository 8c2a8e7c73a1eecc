"""Mermas: goods lost from a warehouse (vencimiento, daño, robo, extravío, consumo interno), valued at the store's
cost, with a supervisor's PIN when the value passes the tenant's threshold (``merma_pin_above``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory
from desktop.services.auth import AuthService, User
from shared import catalog, errors, money, roles
from shared.events import auth as auth_events
from shared.events import inventory as events

REASON_NAMES: Final = {"vencimiento": "Vencimiento", "dano": "Daño", "robo": "Robo", "extravio": "Extravío",
                       "consumo_interno": "Consumo interno"}
"""The merma reasons (``shared.events.inventory.MERMA_REASONS``) as the manager reads them."""


class MermaNeedsPin(errors.AuthorisationRequired):
    """The merma's ``value`` (CLP neto) passes the tenant's ``threshold``: a supervisor's PIN is needed."""

    def __init__(self, value: int, threshold: int) -> None:
        errors.AuthError.__init__(
            self, f"La merma vale {money.format_clp(value)}, más de {money.format_clp(threshold)}: "
                  "se requiere el PIN de un supervisor.")
        self.action = roles.Action.MERMA.value
        self.value = value
        self.threshold = threshold


@dataclass(frozen=True, slots=True)
class MermaQuote:
    """What a merma would record, before it is: the product, quantity, unit cost (CLP neto), value and whether a
    supervisor's PIN will be asked."""

    product: catalog.Product
    warehouse: str
    quantity: Decimal
    unit_cost: int
    value: int
    needs_pin: bool


def reason_code(reason: str) -> str:
    """The code of a merma reason given by code or by its name ("Daño", "dano"). Raises: Refused."""
    text = reason.strip()
    for code, name in REASON_NAMES.items():
        if text in (code, name) or text.casefold() == name.casefold():
            return code
    raise inventory.Refused(f"Motivo de merma desconocido {reason!r}: use {', '.join(REASON_NAMES.values())}.")


class MermaService:
    """Records mermas at the store."""

    def __init__(self, journal: SqliteJournal, auth: AuthService, resolve: Callable[[str], catalog.Product],
                 new_id: Callable[[], str]) -> None:
        self.journal = journal
        self.auth = auth
        self.resolve = resolve
        self.new_id = new_id

    def quote(self, code: str, quantity: str | Decimal, warehouse: str = "") -> MermaQuote:
        """What recording ``quantity`` of the product of ``code`` lost from ``warehouse`` would record.

        Raises:
            UnknownProduct, InvalidBarcode: no such product.
            InvalidQuantity: zero, negative, decimals on units, absurd.
            UnknownWarehouse: not one of the store's warehouses.
        """
        product = inventory.product(self.journal, code, self.resolve)
        warehouse = inventory.own_warehouse(self.journal, warehouse)
        qty = inventory.parse_quantity(quantity, product.sold_by)
        unit = inventory.unit_cost(self.journal, product.sku, qty)
        value = money.round_half_up(Decimal(unit) * qty)
        threshold = inventory.settings(self.journal).merma_pin_above
        return MermaQuote(product, warehouse, qty, unit, value, value > threshold)

    def record(self, actor: User | None, code: str, quantity: str | Decimal, reason: str, *, warehouse: str = "",
               note: str = "", supervisor_pin: str = "") -> events.MermaRecorded:
        """Journal a merma (with the supervisor's ``Authorised`` first when the value passes the threshold).

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            UnknownProduct, InvalidBarcode, InvalidQuantity, UnknownWarehouse: as :meth:`quote`.
            Refused: an unknown reason, a note too long.
            MermaNeedsPin: the value passes the threshold and no PIN was given.
            WrongPin, LockedOut: the PIN is no supervisor's (journaled).
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "registrar mermas")
        assert actor is not None
        code_of_reason = reason_code(reason)
        note = inventory.clean_text(note, "la nota")
        quote = self.quote(code, quantity, warehouse)
        authorised: auth_events.Authorised | None = None
        if quote.needs_pin:
            threshold = inventory.settings(self.journal).merma_pin_above
            if not supervisor_pin:
                raise MermaNeedsPin(quote.value, threshold)
            detail = (f"{quote.product.sku} {quote.product.name} x {quote.quantity} = "
                      f"{money.format_clp(quote.value)}")[:400]
            _user, authorised = self.auth.authorise(supervisor_pin, roles.Action.MERMA, actor.user_id,
                                                    f"Merma: {REASON_NAMES[code_of_reason]}", detail=detail)
        event = events.MermaRecorded(
            merma_id=self.new_id(), warehouse=quote.warehouse, sku=quote.product.sku, name=quote.product.name,
            quantity=quote.quantity, reason=code_of_reason, unit_cost=quote.unit_cost, recorded_by=actor.user_id,
            authorised_by=authorised.supervisor_id if authorised is not None else "", note=note)
        with self.journal.unit_of_work() as uow:
            if authorised is not None:
                uow.append(authorised)
            uow.append(event)
        return event


def value_of(event: events.MermaRecorded) -> int:
    """The CLP neto a recorded merma lost."""
    return money.round_half_up(Decimal(event.unit_cost) * event.quantity)
