"""The till's customer and fiado screens: find or create the sale's customer, take a payment on account (abono),
reverse one (supervisor), print a statement (estado de cuenta) for a date range.

Plain Python (no Qt): each presenter turns intents into a new frozen view passed to ``on_change``. They talk to the
till's fiado side through :class:`FiadoDesk` (customers and accounts as the till knows them, and the fiado service's
commands); errors become a Spanish message and nothing is lost. docs/fiado.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from desktop.presenters.messages import describe
from shared import errors, money
from shared import fiado as fiado_domain
from shared import rut as rut_mod
from shared.sale import TenderKind

FORM_FIELDS = ("name", "rut", "phone", "address", "notes")
MAX_MATCHES = 6
"""Customers shown for a search (two rows of three above the keyboard); more asks to type more."""
PAY_KINDS = (TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT, TenderKind.TRANSFER)
"""How an abono may be paid (the fiado tender itself never pays an abono)."""


# --- what the screens need from the till ------------------------------------------------------------------------
class CustomerRecord(Protocol):
    """A customer as the till knows it (``desktop.journal.fiado_queries``)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def rut(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def notes(self) -> str: ...


class AccountRecord(Protocol):
    """A customer's fiado account: pesos owed (``balance``, negative = saldo a favor), ``limit`` and what is left
    of it (``headroom``)."""

    @property
    def enabled(self) -> bool: ...
    @property
    def limit(self) -> int: ...
    @property
    def balance(self) -> int: ...
    @property
    def headroom(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A payment (abono) of a customer that may be reversed: when, how, how much, and whether it already was."""

    payment_id: str
    at: str
    kind: str
    amount: int
    reversed: bool = False


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: date
    document: str
    cargo: int
    abono: int
    balance: int


@dataclass(frozen=True, slots=True)
class StatementRecord:
    opening: int
    lines: tuple[StatementLine, ...]
    closing: int


class FiadoDesk(Protocol):
    """The till's fiado side as its screens use it. Every command raises a ``PosError`` with a Spanish message
    (nothing journaled) when it refuses; ``pay`` and ``reverse`` return what the cashier must also know once it
    is done (the cash drawer did not open), ``""`` when nothing."""

    def find_customers(self, text: str) -> Sequence[CustomerRecord]: ...
    def customer(self, customer_id: str) -> CustomerRecord | None: ...
    def account(self, customer_id: str) -> AccountRecord | None: ...
    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str,
                      user_id: str) -> str: ...
    def pay(self, customer_id: str, kind: str, amount: int, received: int, shift_id: str,
            cashier_id: str) -> str: ...
    def payments(self, customer_id: str) -> Sequence[PaymentRecord]: ...
    def reverse(self, payment_id: str, pin: str, reason: str, shift_id: str, cashier_id: str) -> str: ...
    def statement(self, customer_id: str, start: date, end: date) -> StatementRecord: ...
    def print_statement(self, customer_id: str, start: date, end: date) -> None: ...


# --- words ------------------------------------------------------------------------------------------------------
def balance_words(balance: int) -> str:
    """``Debe $12.300``, ``A favor $500`` or ``Sin deuda``."""
    if balance > 0:
        return f"Debe {money.format_clp(balance)}"
    if balance < 0:
        return f"A favor {money.format_clp(-balance)}"
    return "Sin deuda"


def account_words(account: AccountRecord | None) -> str:
    """The account in one line for the sale screen: ``Debe $12.300 · Cupo $50.000`` or ``Sin fiado``."""
    if account is None:
        return "Sin fiado"
    return account_line(account.enabled, account.limit, account.balance)


def account_line(enabled: bool, limit: int, balance: int) -> str:
    """``Debe $12.300 · Cupo $50.000``; ``Sin fiado`` (after what is owed, if anything) when fiado is off."""
    if not enabled:
        return f"{balance_words(balance)} · Sin fiado" if balance else "Sin fiado"
    return f"{balance_words(balance)} · Cupo {money.format_clp(limit)}"


def contact_words(customer: CustomerRecord) -> str:
    """``RUT 12.345.678-5 · 9 8765 4321`` (what the customer has of both)."""
    parts = []
    if customer.rut:
        parts.append(f"RUT {rut_mod.format(customer.rut)}")
    if customer.phone:
        parts.append(customer.phone)
    return " · ".join(parts) or "Sin RUT ni teléfono"


def _amount(text: str) -> int:
    digits = "".join(c for c in text if c.isdigit())
    return int(digits) if digits else 0


# --- the customer picker ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CustomerLine:
    customer_id: str
    name: str
    detail: str
    """``RUT 12.345.678-5 · 9 8765 4321 · Debe $12.300 · Cupo $50.000``: who it is and what the account says."""
    account: str = ""
    """The account alone: ``Debe $12.300 · Cupo $50.000`` or ``Sin fiado``."""


@dataclass(frozen=True, slots=True)
class PickerView:
    editing: bool = False
    """The form (new or edit) is on screen rather than the search."""
    matches: tuple[CustomerLine, ...] = ()
    current: CustomerLine | None = None
    """The customer the sale already has (with [Editar] and [Quitar])."""
    fill: tuple[tuple[str, str], ...] | None = None
    """Values to put in the form's fields (``(field, text)``), set once when the form opens."""
    title: str = "Cliente de la venta"
    message: str = ""
    error: bool = False
    field: str = ""
    """The form field the error is about (one of :data:`FORM_FIELDS`)."""
    chosen: str | None = None
    """The customer picked or saved: the dialog closes and hands it over."""
    removed: bool = False
    """[Quitar]: the sale goes on without a customer."""


class CustomerPickerPresenter:
    """Find a customer by name, RUT or phone (or create / edit one) for ``purpose`` (the sale, an abono, ...).

    ``current`` is the customer the sale already has, if any; ``user_id`` who saves a new or edited customer.
    """

    def __init__(self, desk: FiadoDesk, user_id: str, *, current: str | None = None, title: str = "",
                 on_change: Callable[[PickerView], None] = lambda v: None) -> None:
        self.desk = desk
        self.user_id = user_id
        self.on_change = on_change
        self.edit_id = ""
        self.current = current
        self.view = PickerView(current=self._line(current) if current else None,
                               title=title or "Cliente de la venta",
                               message="Busque por nombre, RUT o teléfono")

    def _line(self, customer_id: str) -> CustomerLine | None:
        customer = self.desk.customer(customer_id)
        if customer is None:
            return None
        return self._record_line(customer)

    def _record_line(self, customer: CustomerRecord) -> CustomerLine:
        account = account_words(self.desk.account(customer.customer_id))
        return CustomerLine(customer.customer_id, customer.name, f"{contact_words(customer)} · {account}", account)

    def _render(self, **changes: object) -> PickerView:
        fresh: dict[str, object] = {"message": "", "error": False, "field": "", "fill": None, **changes}
        self.view = replace(self.view, **fresh)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def search(self, text: str) -> PickerView:
        """Typed in the search: the customers matching it (name, RUT with or without dots, phone digits)."""
        if not text.strip():
            return self._render(matches=(), message="Busque por nombre, RUT o teléfono")
        try:
            found = list(self.desk.find_customers(text.strip()))
        except errors.PosError as exc:
            return self._render(matches=(), message=describe(exc), error=True)
        if not found:
            return self._render(matches=(), message=f"Ningún cliente con «{text.strip()}»: toque «+ Nuevo cliente»")
        more = len(found) > MAX_MATCHES
        lines = tuple(self._record_line(c) for c in found[:MAX_MATCHES])
        return self._render(matches=lines, message="Hay más clientes: escriba más para acotar" if more
                            else "Toque el cliente")

    def pick(self, customer_id: str) -> PickerView:
        """A customer touched: chosen (the dialog closes)."""
        line = self._line(customer_id)
        if line is None:
            return self._render(message="Ese cliente ya no está en esta caja", error=True)
        return self._render(chosen=customer_id, message=f"Cliente: {line.name}")

    def remove(self) -> PickerView:
        """[Quitar]: the sale goes on without its customer."""
        return self._render(removed=True, current=None, message="Venta sin cliente")

    def new(self, typed: str = "") -> PickerView:
        """«+ Nuevo cliente»: the empty form; what was typed in the search goes to the field it looks like."""
        self.edit_id = ""
        typed = typed.strip()
        key = "phone" if typed.replace(" ", "").replace("+", "").isdigit() else (
            "rut" if rut_mod.is_valid(typed) else "name")
        fill = tuple((f, typed if f == key else "") for f in FORM_FIELDS)
        return self._render(editing=True, fill=fill, title="Nuevo cliente",
                            message="Nombre obligatorio; RUT, teléfono y dirección si los tiene")

    def edit(self, customer_id: str | None = None) -> PickerView:
        """[Editar]: the form with the customer's data (the sale's customer by default)."""
        target = customer_id or self.current or ""
        customer = self.desk.customer(target) if target else None
        if customer is None:
            return self._render(message="Elija primero el cliente", error=True)
        self.edit_id = target
        fill = (("name", customer.name), ("rut", rut_mod.format(customer.rut) if customer.rut else ""),
                ("phone", customer.phone), ("address", customer.address), ("notes", customer.notes))
        return self._render(editing=True, fill=fill, title=f"Editar cliente: {customer.name}",
                            message="Corrija los datos y toque «Guardar»")

    def back(self) -> PickerView:
        """From the form back to the search (nothing saved)."""
        self.edit_id = ""
        return self._render(editing=False, title="Cliente de la venta", message="Busque por nombre, RUT o teléfono")

    def rut_entered(self, text: str) -> PickerView:
        """The RUT field was left: a wrong dígito verificador is said at once."""
        if text.strip() and not rut_mod.is_valid(text):
            return self._render(message=f"RUT inválido: {text.strip()} (revise el dígito verificador)", error=True,
                                field="rut")
        return self.view

    def save(self, name: str, rut: str, phone: str, address: str, notes: str) -> PickerView:
        """«Guardar»: the customer saved (new or edited) and chosen; or what is wrong and in which field."""
        if not name.strip():
            return self._render(message="Escriba el nombre del cliente", error=True, field="name")
        if rut.strip() and not rut_mod.is_valid(rut):
            return self._render(message=f"RUT inválido: {rut.strip()} (revise el dígito verificador)", error=True,
                                field="rut")
        compact = rut_mod.parse(rut).compact if rut.strip() else ""
        if phone.strip() and not all(c.isdigit() or c in " +" for c in phone.strip()):
            return self._render(message="El teléfono lleva solo números, espacios y +", error=True, field="phone")
        try:
            saved = self.desk.save_customer(self.edit_id, " ".join(name.split()), compact, " ".join(phone.split()),
                                            " ".join(address.split()), " ".join(notes.split()), self.user_id)
        except errors.PosError as exc:
            field = "rut" if isinstance(exc, errors.InvalidRut) else ""
            return self._render(message=describe(exc), error=True, field=field)
        self.edit_id = ""
        return self._render(chosen=saved, message=f"Cliente guardado: {' '.join(name.split())}")


# --- abono --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AbonoView:
    customer: str = ""
    balance: str = ""
    """``Debe $12.300`` before the payment."""
    kind: TenderKind = TenderKind.CASH
    amount: str = ""
    received: str = ""
    typing: str = "amount"
    """Which figure the keypad types: ``amount`` or ``received`` (cash only)."""
    change: str = ""
    after: str = ""
    """The balance once paid: ``Queda debiendo $2.300``."""
    message: str = ""
    error: bool = False
    done: bool = False


class AbonoPresenter:
    """A payment on ``customer_id``'s account, at the till of ``cashier_id`` in ``shift_id``."""

    def __init__(self, desk: FiadoDesk, customer_id: str, *, shift_id: str, cashier_id: str,
                 on_change: Callable[[AbonoView], None] = lambda v: None) -> None:
        self.desk = desk
        self.customer_id = customer_id
        self.shift_id, self.cashier_id = shift_id, cashier_id
        self.on_change = on_change
        customer = desk.customer(customer_id)
        self.name = customer.name if customer is not None else customer_id
        self.kind = TenderKind.CASH
        self.amount, self.received, self.typing = "", "", "amount"
        self.view = self._render(message="Escriba el monto del abono")

    def _balance(self) -> int:
        account = self.desk.account(self.customer_id)
        return account.balance if account is not None else 0

    def _render(self, *, message: str = "", error: bool = False, done: bool = False) -> AbonoView:
        amount, received = _amount(self.amount), _amount(self.received)
        balance = self._balance()
        change = ""
        if self.kind is TenderKind.CASH and received and amount and received >= amount:
            change = money.format_clp(received - amount)
        after = ""
        if amount and not done:
            rest = balance - amount
            after = (f"Queda debiendo {money.format_clp(rest)}" if rest > 0 else
                     "Queda sin deuda" if rest == 0 else f"Queda a favor {money.format_clp(-rest)}")
        self.view = AbonoView(
            customer=self.name, balance=balance_words(balance), kind=self.kind,
            amount=money.format_clp(amount) if self.amount else "",
            received=money.format_clp(received) if self.received else "", typing=self.typing, change=change,
            after=after, message=message, error=error, done=done)
        self.on_change(self.view)
        return self.view

    def set_kind(self, kind: TenderKind) -> AbonoView:
        """Cash, debit, credit or transfer (only cash has a «Recibido» and change)."""
        if kind not in PAY_KINDS:
            return self._render(message="Un abono se paga en efectivo, tarjeta o transferencia", error=True)
        self.kind = kind
        if kind is not TenderKind.CASH:
            self.received, self.typing = "", "amount"
        return self._render()

    def type_into(self, which: str) -> AbonoView:
        """The keypad types the amount or (cash) what was handed over."""
        if which == "received" and self.kind is not TenderKind.CASH:
            return self._render(message="Solo el efectivo da vuelto", error=True)
        self.typing = "received" if which == "received" else "amount"
        return self._render()

    def key(self, key: str) -> AbonoView:
        """A keypad digit (or ``000``); ``←`` deletes, ``C`` clears."""
        current = self.received if self.typing == "received" else self.amount
        if key == "←":
            current = current[:-1]
        elif key == "C":
            current = ""
        elif key.isdigit():
            if len(current + key) > 9:
                return self._render(message="Monto demasiado grande", error=True)
            current = (current + key).lstrip("0")
        if self.typing == "received":
            self.received = current
        else:
            self.amount = current
        return self._render()

    def whole_balance(self) -> AbonoView:
        """«Todo el saldo»: the amount is what the customer owes."""
        balance = self._balance()
        if balance <= 0:
            return self._render(message=f"{self.name} no tiene deuda", error=True)
        self.amount, self.typing = str(balance), "amount"
        return self._render()

    def pay(self) -> AbonoView:
        """«Registrar abono»: journaled and counted in the shift, its receipt printed; refusals say why (a payment
        over the balance when the store refuses saldo a favor, cash short, ...)."""
        amount = _amount(self.amount)
        if amount <= 0:
            return self._render(message="Escriba el monto del abono", error=True)
        received = _amount(self.received) if self.kind is TenderKind.CASH and self.received else amount
        if received < amount:
            return self._render(message=f"Falta dinero: el abono es {money.format_clp(amount)} y se recibió "
                                        f"{money.format_clp(received)}", error=True)
        try:
            notice = self.desk.pay(self.customer_id, self.kind.value, amount, received, self.shift_id,
                                   self.cashier_id)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True)
        change = f" Vuelto {money.format_clp(received - amount)}." if received > amount else ""
        after = self._balance()
        return self._render(done=True, error=bool(notice),
                            message=f"Abono de {money.format_clp(amount)} registrado. {balance_words(after)}.{change}"
                                    + (f" {notice}" if notice else ""))


# --- reversal of an abono -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: str
    when: str
    how: str
    amount: str
    reversed: bool


@dataclass(frozen=True, slots=True)
class ReverseView:
    customer: str = ""
    payments: tuple[PaymentLine, ...] = ()
    asking_pin: bool = False
    what: str = ""
    message: str = ""
    error: bool = False
    done: bool = False


def _when(iso: str) -> str:
    """``2026-12-07T17:03:00+00:00`` -> ``07-12-2026 14:03`` (Chile's time; the text as it is when unreadable)."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return (when.astimezone(fiado_domain.CHILE) if when.tzinfo else when).strftime("%d-%m-%Y %H:%M")


def _kind_label(kind: str) -> str:
    try:
        return TenderKind(kind).label
    except ValueError:
        return kind


class ReversePresenter:
    """«Reversar abono»: pick one of ``customer_id``'s payments, then a supervisor's PIN and the reason."""

    def __init__(self, desk: FiadoDesk, customer_id: str, *, shift_id: str, cashier_id: str,
                 on_change: Callable[[ReverseView], None] = lambda v: None) -> None:
        self.desk = desk
        self.customer_id = customer_id
        self.shift_id, self.cashier_id = shift_id, cashier_id
        self.on_change = on_change
        customer = desk.customer(customer_id)
        self.name = customer.name if customer is not None else customer_id
        self.chosen: PaymentRecord | None = None
        self.view = ReverseView(customer=self.name)
        self.view = self._render(message="Toque el abono que se reversa")

    def _render(self, **changes: object) -> ReverseView:
        payments = tuple(PaymentLine(p.payment_id, _when(p.at), _kind_label(p.kind), money.format_clp(p.amount),
                                     p.reversed) for p in self.desk.payments(self.customer_id))
        fresh: dict[str, object] = {"message": "", "error": False, "payments": payments, **changes}
        if not payments and not fresh["message"]:
            fresh["message"] = f"{self.name} no tiene abonos"
        self.view = replace(self.view, **fresh)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def choose(self, payment_id: str) -> ReverseView:
        """A payment touched: ask a supervisor's PIN and the reason (an already reversed one is refused)."""
        chosen = next((p for p in self.desk.payments(self.customer_id) if p.payment_id == payment_id), None)
        if chosen is None:
            return self._render(message="Ese abono no está en esta caja", error=True)
        if chosen.reversed:
            return self._render(message="Ese abono ya fue reversado", error=True)
        self.chosen = chosen
        return self._render(asking_pin=True, what=f"Reversar el abono de {money.format_clp(chosen.amount)} "
                                                  f"({_kind_label(chosen.kind).lower()}, {_when(chosen.at)}) "
                                                  f"de {self.name}")

    def cancel_pin(self) -> ReverseView:
        self.chosen = None
        return self._render(asking_pin=False)

    def authorise(self, pin: str, reason: str) -> ReverseView:
        """The supervisor's PIN and reason: the counter-entry is journaled. A wrong PIN or no reason keeps asking;
        any other refusal is said and nothing changes."""
        chosen = self.chosen
        if chosen is None:
            return self.view
        if not reason.strip():
            return self._render(asking_pin=True, message="Indique el motivo", error=True)
        try:
            notice = self.desk.reverse(chosen.payment_id, pin, reason.strip(), self.shift_id, self.cashier_id)
        except (errors.WrongPin, errors.LockedOut, errors.InvalidInput) as exc:
            return self._render(asking_pin=True, message=describe(exc), error=True)
        except errors.PosError as exc:
            self.chosen = None
            return self._render(asking_pin=False, message=describe(exc), error=True)
        self.chosen = None
        account = self.desk.account(self.customer_id)
        after = balance_words(account.balance if account is not None else 0)
        return self._render(asking_pin=False, done=True, error=bool(notice),
                            message=f"Abono de {money.format_clp(chosen.amount)} reversado. {after}."
                                    + (f" {notice}" if notice else ""))


# --- estado de cuenta -------------------------------------------------------------------------------------------
RANGES = ("this-month", "last-month", "90-days", "all")
RANGE_LABELS = {"this-month": "Este mes", "last-month": "Mes anterior", "90-days": "Últimos 90 días",
                "all": "Todo"}
CUSTOM = "custom"
"""The range typed by the cashier (:meth:`StatementPresenter.between`)."""
EPOCH = date(2000, 1, 1)


def parse_day(text: str) -> date:
    """A date typed on the keypad: ``07-12-2026``, ``7-12-2026`` or ``07122026``.

    Raises: InvalidInput (Spanish) when it is not a real day."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    parts = cleaned.split("-") if "-" in cleaned else (
        [cleaned[:2], cleaned[2:4], cleaned[4:]] if len(cleaned) == 8 and cleaned.isdigit() else [])
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        raise errors.InvalidInput(f"fecha no válida «{text.strip()}»: escríbala como 07-12-2026") from None


def date_range(key: str, today: date) -> tuple[date, date]:
    """The dates (both included) of a preset: this month so far, last month, the last 90 days, or everything."""
    first = today.replace(day=1)
    if key == "last-month":
        end = first - timedelta(days=1)
        return end.replace(day=1), end
    if key == "90-days":
        return today - timedelta(days=89), today
    if key == "all":
        return EPOCH, today
    return first, today


@dataclass(frozen=True, slots=True)
class StatementView:
    customer: str = ""
    range: str = "this-month"
    period: str = ""
    """``01-12-2026 al 07-12-2026``"""
    opening: str = ""
    closing: str = ""
    lines: tuple[tuple[str, str, str, str, str], ...] = ()
    """(fecha, documento, cargo, abono, saldo), oldest first."""
    message: str = ""
    error: bool = False


class StatementPresenter:
    """«Estado de cuenta» of ``customer_id``: a preset date range, its figures on screen, and the thermal print."""

    def __init__(self, desk: FiadoDesk, customer_id: str, today: Callable[[], date] = date.today, *,
                 on_change: Callable[[StatementView], None] = lambda v: None) -> None:
        self.desk = desk
        self.customer_id = customer_id
        self.today = today
        self.on_change = on_change
        customer = desk.customer(customer_id)
        self.name = customer.name if customer is not None else customer_id
        self.view = StatementView(customer=self.name)
        self.dates = date_range("this-month", today())
        self.view = self.choose("this-month")

    def _dates(self) -> tuple[date, date]:
        return self.dates

    def between(self, start_text: str, end_text: str) -> StatementView:
        """«Otras fechas»: the statement from ``start_text`` to ``end_text`` (typed ``dd-mm-aaaa``, both included)."""
        try:
            start, end = parse_day(start_text), parse_day(end_text)
        except errors.PosError as exc:
            return self._show(replace(self.view, message=describe(exc), error=True))
        if start > end:
            return self._show(replace(self.view, message=f"La fecha inicial ({start:%d-%m-%Y}) es posterior a la "
                                                         f"final ({end:%d-%m-%Y})", error=True))
        return self._range(CUSTOM, start, end)

    def choose(self, key: str) -> StatementView:
        """A preset range touched: the statement of those dates on screen."""
        if key not in RANGES:
            key = "this-month"
        return self._range(key, *date_range(key, self.today()))

    def _range(self, key: str, start: date, end: date) -> StatementView:
        self.dates = (start, end)
        period = (f"Hasta el {end:%d-%m-%Y}" if start == EPOCH else f"{start:%d-%m-%Y} al {end:%d-%m-%Y}")
        try:
            statement = self.desk.statement(self.customer_id, start, end)
        except errors.PosError as exc:
            return self._show(replace(self.view, range=key, period=period, lines=(), opening="", closing="",
                                      message=describe(exc), error=True))
        lines = tuple((f"{x.day:%d-%m-%Y}", x.document, money.format_clp(x.cargo) if x.cargo else "",
                       money.format_clp(x.abono) if x.abono else "", money.format_clp(x.balance))
                      for x in statement.lines)
        n = len(lines)
        return self._show(replace(
            self.view, range=key, period=period, lines=lines, opening=money.format_clp(statement.opening),
            closing=money.format_clp(statement.closing), error=False,
            message=f"{n} movimiento{'s' if n != 1 else ''}" if n else "Sin movimientos en esas fechas"))

    def _show(self, view: StatementView) -> StatementView:
        self.view = view
        self.on_change(view)
        return view

    def print(self) -> StatementView:
        """«Imprimir»: the statement of the range on the receipt printer."""
        start, end = self._dates()
        try:
            self.desk.print_statement(self.customer_id, start, end)
        except errors.PosError as exc:
            return self._show(replace(self.view, message=describe(exc), error=True))
        return self._show(replace(self.view, message="Imprimiendo el estado de cuenta…", error=False))
