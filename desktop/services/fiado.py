"""Customers and their store credit (fiado) at the till: profiles, accounts and the store's settings, payments
(abonos) counted in the shift with a printed receipt, reversals by a supervisor, and statements. docs/fiado.md."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from desktop.drivers.ports import PrinterError
from desktop.journal import fiado_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import fiado_print, inventory
from desktop.services.auth import AuthService, User
from desktop.services.printing import PrintJob
from desktop.services.receipts import PrintOutcome, ReceiptService
from desktop.services.shifts import ShiftService
from shared import errors, money, roles
from shared import fiado as ledger
from shared import rut as rut_mod
from shared import shift as shift_mod
from shared.dte import documents
from shared.events import fiado as events
from shared.events import rules
from shared.sale import TenderKind

PAYMENT_KINDS: Final = tuple(k for k in TenderKind if k.value in rules.PAYMENT_KINDS)
"""Tenders an abono is taken in (cash, debit, credit, transfer: never fiado itself)."""
MAX_THERMAL_LINES: Final = 300
"""Most movements a statement prints on the roll; a longer period goes to the PDF."""
LABELS: Final = {"name": "el nombre", "phone": "el teléfono", "address": "la dirección", "notes": "las notas"}


class CustomerInvalid(errors.InvalidInput):
    """A customer's profile cannot be saved: ``field`` names the field (``name``, ``rut``, ``phone``, ``address``,
    ``notes``) and the message (Spanish) says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownCustomer(errors.FiadoError):
    """No customer ``customer_id`` at this till."""

    def __init__(self, customer_id: str) -> None:
        super().__init__("Ese cliente no está registrado en esta caja. Búsquelo de nuevo o créelo.")
        self.customer_id = customer_id


class FiadoRefused(errors.FiadoError):
    """A fiado action that cannot be done as asked; the message (Spanish) says why and what to do."""


class Overpayment(FiadoRefused):
    """``amount`` is more than the ``balance`` owed and the store keeps no saldo a favor (policy ``refuse``)."""

    def __init__(self, amount: int, balance: int) -> None:
        owed = max(balance, 0)
        if owed == 0:
            text = (f"El cliente no tiene deuda y la tienda no recibe abonos a favor: no se puede abonar "
                    f"{money.format_clp(amount)}.")
        else:
            text = (f"El abono de {money.format_clp(amount)} supera la deuda de {money.format_clp(owed)}. "
                    f"La tienda no guarda saldo a favor: abone como máximo {money.format_clp(owed)}.")
        super().__init__(text)
        self.amount = amount
        self.balance = balance


@dataclass(frozen=True, slots=True)
class PaymentDone:
    """An abono journaled: what the account and the shift got (``change`` is the cash handed back), the balance
    before and after it (negative after: saldo a favor), and the receipt's print job (``printed``; pending until
    the print worker reports). ``drawer_problem`` says why the drawer did not open ("" when it did or was not
    asked)."""

    payment_id: str
    customer_id: str
    kind: str
    amount: int
    received: int
    change: int
    balance_before: int
    balance_after: int
    printed: PrintOutcome
    drawer_problem: str = ""


@dataclass(frozen=True, slots=True)
class ReversalDone:
    """A payment reversed: the counter-entry's id, the payment's amount and tender, who authorised it and the
    balance after it; ``printed`` is the slip's print job."""

    reversal_id: str
    payment_id: str
    customer_id: str
    kind: str
    amount: int
    supervisor_id: str
    balance_after: int
    printed: PrintOutcome
    drawer_problem: str = ""


def clean(text: str) -> str:
    """Single-spaced text without control characters, as profiles are journaled."""
    return " ".join("".join(" " if c.isspace() or ord(c) < 32 else c for c in text).split())


def clean_notes(text: str) -> str:
    """Notes keep their lines (each single-spaced), without blank lines at either end."""
    return "\n".join(clean(line) for line in text.splitlines()).strip("\n")


def check_rut(value: str) -> str:
    """A customer's RUT, compact (``12345678-5``), or ``""`` when none was typed.

    Raises:
        CustomerInvalid: malformed, a wrong dígito verificador (módulo 11), or the consumidor final RUT.
    """
    typed = value.strip()
    if not typed:
        return ""
    try:
        parsed = rut_mod.parse(typed)
    except errors.InvalidRut as exc:
        if exc.reason.startswith("dígito"):
            raise CustomerInvalid("rut", f"El RUT {typed} no es válido: el dígito verificador no corresponde. "
                                         "Revise el número y el dígito después del guion.") from None
        raise CustomerInvalid("rut", f"El RUT «{typed}» no es válido: escríbalo como 12.345.678-5, o déjelo "
                                     "en blanco.") from None
    if parsed.compact == documents.RUT_ANONIMO:
        raise CustomerInvalid("rut", "66.666.666-6 es el RUT de consumidor final, no el de una persona: escriba "
                                     "el RUT del cliente o déjelo en blanco.")
    return parsed.compact


def check_phone(value: str) -> str:
    """A phone as typed (digits, spaces, ``+``, ``-``), single-spaced; ``""`` when none.

    Raises:
        CustomerInvalid: other characters, or fewer than 8 digits (a Chilean number has 9).
    """
    text = clean(value)
    if not text:
        return ""
    if any(not (c.isdigit() or c in "+- ()") for c in text):
        raise CustomerInvalid("phone", f"El teléfono «{text}» solo puede tener números, espacios y +. "
                                       "Ejemplo: +56 9 1234 5678")
    if sum(c.isdigit() for c in text) < 8:
        raise CustomerInvalid("phone", f"El teléfono «{text}» es muy corto: escriba al menos 8 dígitos "
                                       "(ejemplo: 9 1234 5678).")
    return text


def parse_amount(value: int | str, what: str) -> int:
    """Pesos from an int or es-CL text (``"$12.990"``). Raises: InvalidAmount (not a whole amount in pesos)."""
    if isinstance(value, bool):
        raise errors.InvalidAmount(value, f"{what}: escriba un monto en pesos")
    if isinstance(value, int):
        return value
    try:
        return money.parse_clp(value)
    except (errors.InvalidAmount, ValueError):
        raise errors.InvalidAmount(value, f"{what}: «{value}» no es un monto en pesos (ejemplo: $12.990)") from None


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise FiadoRefused(f"La fecha inicial ({start:%d-%m-%Y}) es posterior a la final ({end:%d-%m-%Y}).")


class FiadoService:
    """Customers and fiado at one till. Reads go through ``desktop.journal.fiado_queries``; every change is one
    journaled event (or two, with a supervisor's ``auth.authorised``) in one unit of work, printed after the
    commit. A refused input raises before anything is journaled."""

    def __init__(self, journal: SqliteJournal, auth: AuthService, receipts: ReceiptService,
                 shifts: ShiftService, new_id: Callable[[], str]) -> None:
        self.journal = journal
        self.auth = auth
        self.receipts = receipts
        self.shifts = shifts
        self.new_id = new_id

    # -- reads ------------------------------------------------------------------------------------------------

    def find(self, text: str, limit: int = 20) -> list[fiado_queries.Customer]:
        """Customers whose name, RUT (with or without dots/guion) or phone digits match ``text``."""
        return fiado_queries.find_customers(self.journal.conn, text, limit)

    def customer(self, customer_id: str) -> fiado_queries.Customer:
        """Raises: UnknownCustomer."""
        found = fiado_queries.customer(self.journal.conn, customer_id)
        if found is None:
            raise UnknownCustomer(customer_id)
        return found

    def account(self, customer_id: str) -> fiado_queries.Account:
        """The customer's fiado account as this till knows it. Raises: UnknownCustomer."""
        self.customer(customer_id)
        return fiado_queries.account(self.journal.conn, customer_id)

    def settings(self) -> fiado_queries.Settings:
        """The store's fiado settings (offline allowance, overpayment policy; defaults until a manager sets them)."""
        return fiado_queries.settings(self.journal.conn)

    def balances(self, search: str = "", only_with_balance: bool = False, overdue_only: bool = False
                 ) -> list[fiado_queries.BalanceRow]:
        """Customers with their limit, balance, headroom and overdue days (the back office's Clientes list)."""
        return fiado_queries.balances(self.journal.conn, search, only_with_balance, overdue_only)

    def payments(self, customer_id: str, limit: int = 20) -> list[fiado_queries.Payment]:
        """The customer's latest abonos taken at this till, newest first, each saying whether it was reversed
        (what "Reversar abono" offers). Raises: UnknownCustomer."""
        self.customer(customer_id)
        return fiado_queries.payments(self.journal.conn, customer_id, limit)

    def statement_page(self, customer_id: str, start: date, end: date, after: tuple[str, str] | None = None,
                       limit: int = 200) -> fiado_queries.StatementPage:
        """One page of the customer's movements (the back office's list); ``after`` is the last row's key.

        Raises: UnknownCustomer; FiadoRefused (``start`` after ``end``)."""
        self.customer(customer_id)
        _check_period(start, end)
        return fiado_queries.statement_page(self.journal.conn, customer_id, start, end, after, limit)

    # -- customers, accounts, settings --------------------------------------------------------------------------

    def save_customer(self, name: str, rut: str, phone: str, address: str, notes: str, user: User, *,
                      customer_id: str = "", active: bool = True) -> str:
        """Create (``customer_id`` empty) or edit a customer; any signed-in user may. Returns its id.

        Raises:
            CustomerInvalid: no name, a text too long (``shared.events.rules.CUSTOMER_MAX``), a bad RUT or phone,
                a RUT another customer of this till already has.
            UnknownCustomer: editing a customer this till does not know.
        """
        if customer_id:
            customer_id = self.customer(customer_id).customer_id  # an id merged into another edits the survivor
        values = {"name": clean(name), "phone": check_phone(phone), "address": clean(address),
                  "notes": clean_notes(notes)}
        if not values["name"]:
            raise CustomerInvalid("name", "Escriba el nombre del cliente.")
        for field, text in values.items():
            limit = rules.CUSTOMER_MAX[field]
            if len(text) > limit:
                raise CustomerInvalid(field, f"{LABELS[field].capitalize()} tiene {len(text)} caracteres; el máximo"
                                             f" es {limit}. Abrévielo.")
        compact = check_rut(rut)
        if compact:
            for other in fiado_queries.find_customers(self.journal.conn, compact, 20, include_inactive=True):
                if other.rut == compact and other.customer_id != customer_id:
                    raise CustomerInvalid("rut", f"El RUT {rut_mod.format(compact)} ya es de {other.name}: búsquelo "
                                                 "en vez de crearlo de nuevo.")
        new = customer_id or self.new_id()
        self.journal.append(events.CustomerProfileSaved(new, values["name"], compact, values["phone"],
                                                        values["address"], values["notes"], user.user_id, active))
        return new

    def set_account(self, customer_id: str, enabled: bool, limit: int | str, user: User | None) -> None:
        """Enable (or disable) fiado for a customer with a credit limit in CLP; administrador only. Disabling
        keeps the debt (the customer still pays it) and refuses new charges.

        Raises:
            NotAdministrator: ``user`` is not an administrador.
            UnknownCustomer: no such customer.
            InvalidAmount: a limit that is not pesos, negative, or $0 with fiado enabled.
        """
        admin = inventory.require_admin(user, "habilitar el fiado o cambiar el cupo")
        self.customer(customer_id)
        amount = parse_amount(limit, "el cupo")
        if amount < 0 or amount > rules.MAX_PESOS:
            raise errors.InvalidAmount(amount, "el cupo debe ser un monto en pesos mayor que $0")
        if enabled and amount == 0:
            raise errors.InvalidAmount(amount, "un cupo de $0 no permite fiar: fije un monto mayor que $0 o "
                                               "desactive el fiado")
        self.journal.append(events.FiadoAccountSet(customer_id, enabled, amount, admin.user_id))

    def set_settings(self, allowance: int | str, overpayment: str, user: User | None) -> None:
        """The store's fiado settings (administrador only): the most a till charges one customer while offline,
        and what a payment over the debt does (``credit``: saldo a favor, ``refuse``).

        Raises:
            NotAdministrator, InvalidAmount (negative allowance), FiadoRefused (an unknown policy).
        """
        admin = inventory.require_admin(user, "cambiar la configuración del fiado")
        amount = parse_amount(allowance, "el monto sin conexión")
        if amount < 0 or amount > rules.MAX_PESOS:
            raise errors.InvalidAmount(amount, "el monto fiado sin conexión no puede ser negativo")
        if overpayment not in events.OVERPAYMENT_POLICIES:
            raise FiadoRefused(f"Política de abono mayor a la deuda desconocida «{overpayment}»: use «credit» "
                               "(saldo a favor) o «refuse» (rechazar).")
        self.journal.append(events.FiadoSettingsSet(amount, overpayment, admin.user_id))

    # -- payments and reversals -----------------------------------------------------------------------------

    def pay(self, customer_id: str, kind: TenderKind | str, amount: int | str, received: int | str | None,
            shift: shift_mod.Shift | None, cashier: User) -> PaymentDone:
        """Take an abono: journal it (counted in ``shift`` like any cash movement), then print its receipt with
        the balance after it and, for cash, open the drawer. ``received`` is what was handed over (cash: at
        least ``amount``, the rest is change; other tenders: ``amount``; None or 0: exactly ``amount``).

        Raises:
            UnknownCustomer: no such customer.
            ShiftError: ``shift`` is None or no longer open.
            FiadoRefused: a tender an abono is not taken in (fiado), a customer with neither fiado nor debt.
            InvalidAmount: amount not above $0, received short, or more than the amount on a card or transfer.
            Overpayment: more than the debt while the store keeps no saldo a favor.
        """
        tender = self._payment_kind(kind)
        customer = self.customer(customer_id)
        customer_id = customer.customer_id  # an id merged into another pays the survivor's account
        open_shift = self._open_shift(shift)
        value = parse_amount(amount, "el abono")
        if value <= 0 or value > rules.MAX_PESOS:
            raise errors.InvalidAmount(value, "el abono debe ser mayor que $0")
        handed = value if received in (None, "", 0) else parse_amount(received, "lo recibido")
        if handed > rules.MAX_PESOS:
            raise errors.InvalidAmount(handed, "lo recibido no es un monto posible")
        if handed < value:
            raise errors.InvalidAmount(handed, f"lo recibido ({money.format_clp(handed)}) no alcanza al abono de "
                                               f"{money.format_clp(value)}")
        if tender is not TenderKind.CASH and handed != value:
            raise errors.InvalidAmount(handed, f"con {tender.label.lower()} se recibe exactamente el abono "
                                               f"({money.format_clp(value)}): el vuelto es solo en efectivo")
        account = fiado_queries.account(self.journal.conn, customer_id)
        before = account.balance
        if not account.enabled and before <= 0:
            raise FiadoRefused(f"{customer.name} no tiene fiado habilitado ni deuda: no hay nada que abonar.")
        if value > max(before, 0) and self.settings().overpayment != "credit":
            raise Overpayment(value, before)
        payment_id = self.new_id()
        self.journal.append(events.FiadoPaid(payment_id, customer_id, open_shift.shift_id, cashier.user_id,
                                             tender.value, value, handed, before))
        after = fiado_queries.account(self.journal.conn, customer_id).balance
        printed = self._print_payment(payment_id)
        problem = self._kick() if tender is TenderKind.CASH else ""
        return PaymentDone(payment_id, customer_id, tender.value, value, handed, handed - value, before, after,
                           printed, problem)

    def reverse(self, payment_id: str, supervisor: str, reason: str, *, cashier: User,
                shift: shift_mod.Shift | None = None) -> ReversalDone:
        """Reverse an abono with a supervisor's PIN (``supervisor``): a counter-entry that puts the amount back on
        the account and takes it out of this shift's expected tender (cash goes back from the drawer); the
        payment is never edited. ``shift`` defaults to the cashier's open shift.

        Raises:
            UnknownPayment, PaymentAlreadyReversed, ReversalOfReversal (``shared.errors``): nothing to reverse.
            InvalidInput: no reason.
            ShiftError: no open shift.
            WrongPin, LockedOut: the PIN is no supervisor's (journaled as auth.pin_rejected).
        """
        paid = fiado_queries.payment(self.journal.conn, payment_id)
        if paid is None:
            if read_models.find_event(self.journal.conn, events.FiadoPaymentReversed.TYPE, "reversal_id",
                                      payment_id) is not None:
                raise errors.ReversalOfReversal(payment_id)
            raise errors.UnknownPayment(payment_id)
        if paid.reversed:
            raise errors.PaymentAlreadyReversed(payment_id)
        why = clean(reason)
        if not why:
            raise errors.InvalidInput("Indique el motivo de la reversa.")
        if len(why) > rules.REASON_MAX:
            raise errors.InvalidInput(f"El motivo tiene {len(why)} caracteres; el máximo es {rules.REASON_MAX}.")
        open_shift = self._open_shift(shift or self.shifts.current(cashier.user_id))
        boss, authorised = self.auth.authorise(
            supervisor, roles.Action.FIADO_REVERSAL, cashier.user_id, why, shift_id=open_shift.shift_id,
            detail=f"Abono {money.format_clp(paid.amount)} ({TenderKind(paid.kind).label.lower()})")
        reversal_id = self.new_id()
        reversed_ = events.FiadoPaymentReversed(reversal_id, payment_id, paid.customer_id, open_shift.shift_id,
                                                boss.user_id, why, paid.kind, paid.amount)
        self.journal.append(authorised, reversed_)
        after = fiado_queries.account(self.journal.conn, paid.customer_id).balance
        printed = self._print_reversal(reversed_, after)
        problem = self._kick() if paid.kind == TenderKind.CASH.value else ""
        return ReversalDone(reversal_id, payment_id, paid.customer_id, paid.kind, paid.amount, boss.user_id, after,
                            printed, problem)

    def reprint_payment(self, payment_id: str) -> PrintOutcome:
        """Print an abono's receipt again, marked as a copy. Raises: UnknownPayment (``shared.errors``)."""
        return self._print_payment(payment_id, reprint=True)

    # -- statements -------------------------------------------------------------------------------------------

    def statement(self, customer_id: str, start: date, end: date) -> ledger.Statement:
        """Opening balance, each movement from ``start`` to ``end`` (both included, the till's local dates) with
        the running balance, and the closing balance.

        Raises: UnknownCustomer; FiadoRefused (``start`` after ``end``).
        """
        self.customer(customer_id)
        _check_period(start, end)
        return fiado_queries.statement(self.journal.conn, customer_id, start, end)

    def print_statement(self, customer_id: str, start: date, end: date) -> PrintOutcome:
        """Queue the statement on the thermal printer.

        Raises: as :meth:`statement`; FiadoRefused when the period has more than :data:`MAX_THERMAL_LINES`
        movements (use the PDF)."""
        heading = self._heading(customer_id, start, end)
        sheet = self.statement(customer_id, start, end)
        if len(sheet.lines) > MAX_THERMAL_LINES:
            raise FiadoRefused(f"El período tiene {len(sheet.lines)} movimientos, demasiados para el papel (máximo "
                               f"{MAX_THERMAL_LINES}): acorte el período o use el estado de cuenta en PDF.")
        text = fiado_print.statement_report(heading, sheet, self.receipts.width)
        return self._submit(PrintJob(f"fiado-statement:{customer_id}", self.receipts.renderer.report(
            text, self.receipts.width)))

    def statement_pdf(self, customer_id: str, start: date, end: date, path: Path | str) -> Path:
        """Write the statement as an A4 PDF at ``path`` (replaced whole: a half-written file never stays).

        Raises: as :meth:`statement`; FiadoRefused when the file cannot be written there (Spanish reason)."""
        heading = self._heading(customer_id, start, end)
        data = fiado_print.statement_pdf(heading, self.statement(customer_id, start, end))
        target = Path(path)
        try:
            handle, tmp = tempfile.mkstemp(prefix=".estado-", suffix=".pdf", dir=target.parent)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            raise FiadoRefused(f"No se pudo guardar el PDF en {target}: {exc.strerror or exc}. Elija otra carpeta."
                               ) from None
        return target

    # -- helpers ----------------------------------------------------------------------------------------------

    def _heading(self, customer_id: str, start: date, end: date) -> fiado_print.Heading:
        customer = self.customer(customer_id)
        account = fiado_queries.account(self.journal.conn, customer_id)
        header, _resolution, _from_hq = self.receipts.current_header()
        return fiado_print.Heading(
            store=header.name, store_rut=header.rut, store_address=header.address, terminal=header.terminal,
            customer=customer.name, customer_rut=customer.rut, phone=customer.phone, start=start, end=end,
            made_at=self.journal.clock(), credit_limit=account.limit if account.enabled else None)

    @staticmethod
    def _payment_kind(kind: TenderKind | str) -> TenderKind:
        value = kind.value if isinstance(kind, TenderKind) else str(kind)
        for tender in PAYMENT_KINDS:
            if tender.value == value:
                return tender
        raise FiadoRefused("Un abono se recibe en efectivo, débito, crédito o transferencia.")

    def _open_shift(self, shift: shift_mod.Shift | None) -> shift_mod.Shift:
        current = None if shift is None else read_models.shift(self.journal.conn, shift.shift_id)
        if current is None or current.state is not shift_mod.ShiftState.OPEN:
            raise errors.ShiftError("no hay un turno abierto: abra uno para recibir abonos", "closed")
        return current

    def _kick(self) -> str:
        try:
            self.shifts.drawer.open()
        except PrinterError as exc:
            return exc.message
        return ""

    def _print_payment(self, payment_id: str, *, reprint: bool = False) -> PrintOutcome:
        found = read_models.find_event(self.journal.conn, events.FiadoPaid.TYPE, "payment_id", payment_id)
        if found is None:
            raise errors.UnknownPayment(payment_id)
        paid: events.FiadoPaid = self.journal.codec.decode(*found)
        customer = self.customer(paid.customer_id)
        header, _resolution, _from_hq = self.receipts.current_header()
        text = fiado_print.payment_report(header, paid, customer.name, customer.rut,
                                          self.receipts.user_name(paid.cashier_id), self.journal.clock(),
                                          reprint=reprint)
        return self._submit(PrintJob(f"fiado-payment:{payment_id}",
                                     self.receipts.renderer.report(text, self.receipts.width), reprint=reprint))

    def _print_reversal(self, event: events.FiadoPaymentReversed, balance_after: int) -> PrintOutcome:
        customer = self.customer(event.customer_id)
        header, _resolution, _from_hq = self.receipts.current_header()
        text = fiado_print.reversal_report(header, event, customer.name, balance_after,
                                           self.receipts.user_name(event.supervisor_id), self.journal.clock())
        return self._submit(PrintJob(f"fiado-reversal:{event.reversal_id}",
                                     self.receipts.renderer.report(text, self.receipts.width)))

    def _submit(self, job: PrintJob) -> PrintOutcome:
        """Queue ``job`` on the till's print worker; its outcome reaches the receipts' listeners on collect."""
        self.receipts.worker.submit(job)
        return PrintOutcome(False, self.receipts.last_status, pending=True, key=job.key, reprint=job.reprint)
