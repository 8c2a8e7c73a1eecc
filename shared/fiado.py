"""Store credit (fiado) as a pure ledger: the signed entries each event makes, their double-entry postings, the
balance fold with aliases, the charge decision, statements and overdue days (docs/fiado.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from shared import errors, money
from shared.events import fiado as fiado_events
from shared.events import returns, sales
from shared.events.envelope import Envelope

CHILE: Final = ZoneInfo("America/Santiago")
"""Statements and overdue days count in the store's calendar days (Chile's time), entries are stamped in UTC."""

CARGO: Final = "cargo"
ABONO: Final = "abono"
DEVOLUCION: Final = "devolucion"
REVERSO: Final = "reverso"
SIGN: Final = {CARGO: 1, ABONO: -1, DEVOLUCION: -1, REVERSO: 1}
"""Which way each kind of entry moves the balance (+: the customer owes more)."""

SALES_ACCOUNT: Final = "ventas_fiado"
RETURNS_ACCOUNT: Final = "devoluciones"
DRAWER_ACCOUNT: Final = "caja"
"""Counter accounts: sales on credit, refunds credited to the account, and ``caja:<tender>`` for payments."""
DOCUMENT_MAX: Final = 120
"""Longest ``Entry.document`` (``shared.events.rules.FIADO_DOCUMENT_MAX``): a longer text is cut with "…"."""

_DOCUMENT_NAMES: Final = {39: "Boleta", 41: "Boleta exenta", 33: "Factura", 34: "Factura exenta",
                          61: "Nota de crédito"}
_PAYMENT_WORDS: Final = {"cash": "en efectivo", "debit": "con débito", "credit": "con crédito",
                         "transfer": "por transferencia"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry. ``amount`` is signed CLP (+: the customer owes more; ``SIGN[kind]`` gives the sign),
    ``entry_id`` the event id of the event that made it, ``at`` its journal time as ISO 8601 in UTC (``utc_at``),
    ``document`` the Spanish text a statement shows, ``reference`` the id of what made it (sale, payment, return),
    ``reverses`` for a ``reverso`` the ``payment_id`` of the payment it reverses (the ``reference`` of that
    payment's ``abono`` entry), ``counter_account`` the other leg of its postings."""

    entry_id: str
    customer_id: str
    kind: str
    amount: int
    store_id: str
    terminal_id: str
    document: str
    reference: str
    at: str
    reverses: str = ""
    counter_account: str = ""


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: ``side`` "debe" (debit) or "haber" (credit) of ``account``, ``amount`` > 0 CLP."""

    account: str
    side: str
    amount: int

    @property
    def signed(self) -> int:
        """Debit positive, credit negative: a customer's account sums to their balance."""
        return self.amount if self.side == "debe" else -self.amount


def customer_account(customer_id: str) -> str:
    """The ledger account of a customer: ``cliente:<id>``."""
    return f"cliente:{customer_id}"


def utc_at(moment: str) -> str:
    """A journal time (ISO 8601, any offset; naive read as UTC) as ISO 8601 in UTC with microseconds, so texts
    sort as times do.

    Raises:
        InvalidInput: not an ISO 8601 date and time.
    """
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        raise errors.InvalidInput(f"fecha y hora inválida: {moment!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


def local_date(at: str) -> date:
    """The store's calendar day (Chile) of an entry's ``at``. Raises: InvalidInput as :func:`utc_at`."""
    return datetime.fromisoformat(utc_at(at)).astimezone(CHILE).date()


def document_name(tipo: int | None, folio: int | None) -> str:
    """``"Boleta N° 123"``, ``"Factura N° 45"``…; ``""`` without a document."""
    if tipo is None or folio is None:
        return ""
    return f"{_DOCUMENT_NAMES.get(tipo, f'Documento {tipo}')} N° {folio}"


def _cut(text: str) -> str:
    return text if len(text) <= DOCUMENT_MAX else text[:DOCUMENT_MAX - 1] + "…"


def entries(entry: Envelope, event: Any) -> list[Entry]:
    """The ledger entries ``event`` (journaled as ``entry``) makes: a sale's ``fiado`` part (cargo), a payment
    (abono), a payment reversed (reverso), a return's refund of kind ``fiado`` (devolucion), an entry the master
    forwarded (as it was made elsewhere, ``entry_id`` its own); ``[]`` for any other event. The till and the master
    fold the same entries from the same events.

    Raises:
        InvalidInput: an ``occurred_at`` or forwarded ``at`` that is not ISO 8601 (the rules refuse such events).
    """
    if isinstance(event, sales.SaleCompleted):
        if event.fiado is None or not event.customer_id:
            return []
        doc = event.document
        document = document_name(doc.tipo, doc.folio) if doc is not None else f"Venta N° {event.number}"
        return [Entry(entry.event_id, event.customer_id, CARGO, event.fiado.amount, entry.store_id,
                      entry.terminal_id, _cut(document), event.sale_id, utc_at(entry.occurred_at),
                      counter_account=SALES_ACCOUNT)]
    if isinstance(event, fiado_events.FiadoPaid):
        words = _PAYMENT_WORDS.get(event.kind, event.kind)
        return [Entry(entry.event_id, event.customer_id, ABONO, -event.amount, entry.store_id, entry.terminal_id,
                      f"Abono {words}", event.payment_id, utc_at(entry.occurred_at),
                      counter_account=f"{DRAWER_ACCOUNT}:{event.kind}")]
    if isinstance(event, fiado_events.FiadoPaymentReversed):
        return [Entry(entry.event_id, event.customer_id, REVERSO, event.amount, entry.store_id, entry.terminal_id,
                      _cut(f"Reversa de abono: {event.reason}"), event.reversal_id, utc_at(entry.occurred_at),
                      reverses=event.payment_id, counter_account=f"{DRAWER_ACCOUNT}:{event.kind}")]
    if isinstance(event, returns.ReturnCompleted):
        credited = sum(t.received for t in event.refunds if t.kind == "fiado")
        if not credited or not event.customer_id:
            return []
        if event.document is not None:
            document = f"Devolución · {document_name(event.document.tipo, event.document.folio)}"
        else:
            document = f"Devolución de {document_name(event.original_tipo, event.original_folio)}"
        return [Entry(entry.event_id, event.customer_id, DEVOLUCION, -credited, entry.store_id, entry.terminal_id,
                      _cut(document), event.return_id, utc_at(entry.occurred_at),
                      counter_account=RETURNS_ACCOUNT)]
    if isinstance(event, fiado_events.FiadoEntryReceived):
        counter = event.counter_account or _default_counter(event.kind)
        return [Entry(event.entry_id, event.customer_id, event.kind, SIGN.get(event.kind, 1) * event.amount,
                      event.store_id, event.terminal_id, _cut(event.document), event.reference, utc_at(event.at),
                      event.reverses, counter)]
    return []


def _default_counter(kind: str) -> str:
    return {CARGO: SALES_ACCOUNT, DEVOLUCION: RETURNS_ACCOUNT}.get(kind, DRAWER_ACCOUNT)


def received(entry: Entry) -> fiado_events.FiadoEntryReceived:
    """``entry`` as the master forwards it to the tenant's other tills (the inverse of :func:`entries` on a
    ``FiadoEntryReceived``: the same entry comes back out of it)."""
    return fiado_events.FiadoEntryReceived(
        entry_id=entry.entry_id, customer_id=entry.customer_id, kind=entry.kind, amount=abs(entry.amount),
        store_id=entry.store_id, terminal_id=entry.terminal_id, document=entry.document, reference=entry.reference,
        at=entry.at, reverses=entry.reverses, counter_account=entry.counter_account)


def postings(entry: Entry) -> tuple[Posting, Posting]:
    """The entry's double entry ``(debit, credit)``, both legs of ``abs(amount)``: a charge (or reversal) debits
    the customer's account and credits the counter account; a payment (or fiado refund) the other way round."""
    amount = abs(entry.amount)
    own = customer_account(entry.customer_id)
    counter = entry.counter_account or _default_counter(entry.kind)
    if entry.amount >= 0:
        return Posting(own, "debe", amount), Posting(counter, "haber", amount)
    return Posting(counter, "debe", amount), Posting(own, "haber", amount)


def unique(items: Iterable[Entry]) -> list[Entry]:
    """The entries once each (the first of each ``entry_id``: an entry forwarded back is the same entry), in
    ledger order: ``(at, entry_id)``."""
    seen: dict[str, Entry] = {}
    for item in items:
        seen.setdefault(item.entry_id, item)
    return sorted(seen.values(), key=lambda x: (x.at, x.entry_id))


def balance(items: Iterable[Entry]) -> int:
    """What the customer owes (negative: saldo a favor): the sum of the entries, each ``entry_id`` once."""
    return sum(x.amount for x in unique(items))


@dataclass(frozen=True, slots=True)
class CustomerBalance:
    """One customer's folded account: ``balance`` CLP, ``oldest_unpaid_at`` the ``at`` (UTC ISO) of the oldest
    charge not yet paid when payments and refunds (net of reversals) pay charges oldest first (None: nothing
    owed), ``entries`` how many distinct entries count for it (its aliases' included)."""

    customer_id: str
    balance: int
    oldest_unpaid_at: str | None
    entries: int


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every customer's folded account, by surviving ``customer_id``."""

    accounts: Mapping[str, CustomerBalance]
    aliases: Mapping[str, str]

    def survivor(self, customer_id: str) -> str:
        """The customer an id counts for (itself unless it was merged into another)."""
        return _survivor(customer_id, self.aliases)

    def balance(self, customer_id: str) -> int:
        """The balance of ``customer_id`` (or of the customer it was merged into); 0 for an unknown customer."""
        account = self.accounts.get(self.survivor(customer_id))
        return 0 if account is None else account.balance

    def oldest_unpaid_at(self, customer_id: str) -> str | None:
        account = self.accounts.get(self.survivor(customer_id))
        return None if account is None else account.oldest_unpaid_at


def _survivor(customer_id: str, aliases: Mapping[str, str]) -> str:
    """The end of ``customer_id``'s chain of merges; in a cycle (a bad merge) the smallest id of the cycle, the
    same from wherever the chain is entered."""
    path = [customer_id]
    while customer_id in aliases:
        customer_id = aliases[customer_id]
        if customer_id in path:
            return min(path[path.index(customer_id):])
        path.append(customer_id)
    return customer_id


def fold(items: Iterable[Entry], aliases: Mapping[str, str] | None = None) -> Ledger:
    """Every customer's balance and oldest unpaid charge from ``items`` (each ``entry_id`` once, any order), an
    alias's entries counted for the customer it was merged into (``aliases``: alias id → surviving id, as the
    master's merges by RUT name them)."""
    aliases = dict(aliases or {})
    by_customer: dict[str, list[Entry]] = {}
    for item in unique(items):
        by_customer.setdefault(_survivor(item.customer_id, aliases), []).append(item)
    accounts = {customer: CustomerBalance(customer, sum(x.amount for x in own), _oldest_unpaid(own), len(own))
                for customer, own in by_customer.items()}
    return Ledger(accounts, aliases)


def _oldest_unpaid(own: list[Entry]) -> str | None:
    """FIFO: what was paid back (payments and refunds, net of reversals) pays the charges oldest first; the first
    charge left (partly) unpaid is the oldest debt. ``own`` is in ledger order."""
    charges = [(x.at, x.amount) for x in own if x.kind == CARGO]
    paid = -sum(x.amount for x in own if x.kind != CARGO)
    if paid < 0:  # more reversed than paid in what is known: the excess is owed from the first reversal
        charges.append((next(x.at for x in own if x.amount > 0 and x.kind != CARGO), -paid))
        charges.sort()
        paid = 0
    for at, amount in charges:
        if paid < amount:
            return at
        paid -= amount
    return None


def overdue_days(ledger: Ledger, customer_id: str, today: date) -> int | None:
    """Days since the oldest unpaid charge of ``customer_id`` (Chile calendar days; 0 the same day), None when
    nothing is owed."""
    oldest = ledger.oldest_unpaid_at(customer_id)
    if oldest is None:
        return None
    return max(0, (today - local_date(oldest)).days)


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a charge passes without a supervisor: ``ok``; ``reason_es`` why not (Spanish, for the cashier; ""
    when ok); ``headroom`` the most that could be charged now without one (CLP, ≥ 0)."""

    ok: bool
    reason_es: str
    headroom: int


def decide_charge(balance: int, limit: int, amount: int, *, offline: bool, allowance: int,
                  charged_offline: int) -> Decision:
    """Whether charging ``amount`` on credit passes with the balance the till knows (docs/fiado.md §Decision):
    within ``limit - balance`` it passes; while ``offline`` the charges since the last pull
    (``charged_offline``) plus this one must also stay within the store's ``allowance``. Otherwise a supervisor
    authorises it (``FiadoCharge.approved_by``).

    Raises:
        InvalidAmount: ``amount`` ≤ 0, or a negative ``limit``, ``allowance`` or ``charged_offline``.
    """
    if amount <= 0:
        raise errors.InvalidAmount(amount, "el monto fiado debe ser mayor que $0")
    for value, what in ((limit, "el límite de crédito"), (allowance, "el máximo sin conexión"),
                        (charged_offline, "lo fiado sin conexión")):
        if value < 0:
            raise errors.InvalidAmount(value, f"{what} no puede ser negativo")
    clp = money.format_clp
    within_limit = max(0, limit - balance)
    headroom = min(within_limit, max(0, allowance - charged_offline)) if offline else within_limit
    if limit == 0:
        return Decision(False, "El cliente no tiene cupo de fiado: requiere autorización de supervisor", 0)
    if amount > within_limit:
        return Decision(False, f"Supera el cupo: saldo {clp(balance)}, límite {clp(limit)}, disponible "
                               f"{clp(within_limit)}. Requiere autorización de supervisor", headroom)
    if offline and charged_offline + amount > allowance:
        return Decision(False, f"Sin conexión con la central: máximo {clp(allowance)} fiado por cliente hasta "
                               f"sincronizar (ya fiado {clp(charged_offline)}). Requiere autorización de "
                               "supervisor", headroom)
    return Decision(True, "", headroom)


def check_reversal(items: Iterable[Entry], payment_id: str) -> Entry:
    """The ``abono`` entry of payment ``payment_id`` when it may be reversed.

    Raises:
        ReversalOfReversal: ``payment_id`` names a reversal (a reversal is never reversed).
        PaymentAlreadyReversed: a ``reverso`` of it exists.
        UnknownPayment: no payment of that id among ``items``.
    """
    known = unique(items)
    if any(x.kind == REVERSO and x.reference == payment_id for x in known):
        raise errors.ReversalOfReversal(payment_id)
    payment = next((x for x in known if x.kind == ABONO and x.reference == payment_id), None)
    if payment is None:
        raise errors.UnknownPayment(payment_id)
    if any(x.kind == REVERSO and x.reverses == payment_id for x in known):
        raise errors.PaymentAlreadyReversed(payment_id)
    return payment


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement of a statement: its Chile calendar ``date``, ``document``, ``cargo`` or ``abono`` (CLP ≥ 0,
    one of them 0) and the running ``balance`` after it."""

    date: date
    document: str
    cargo: int
    abono: int
    balance: int
    kind: str = ""
    entry_id: str = ""
    at: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """A customer's estado de cuenta from ``start`` to ``end`` (Chile calendar days, both included): ``opening`` is
    the balance before ``start``, ``closing == opening + sum(cargo - abono)`` of the lines."""

    start: date
    end: date
    opening: int
    lines: tuple[StatementLine, ...]
    closing: int


def statement(items: Iterable[Entry], start: date, end: date) -> Statement:
    """The statement of the entries ``items`` (one customer's, aliases included; each ``entry_id`` once) for the
    days ``start``..``end``; entries after ``end`` are left out.

    Raises:
        InvalidInput: ``start`` after ``end``.
    """
    if start > end:
        raise errors.InvalidInput(f"la fecha inicial ({start:%d-%m-%Y}) es posterior a la final ({end:%d-%m-%Y})")
    opening = 0
    running = 0
    lines: list[StatementLine] = []
    for x in unique(items):
        day = local_date(x.at)
        if day < start:
            opening += x.amount
            continue
        if day > end:
            continue
        if not lines:
            running = opening
        running += x.amount
        lines.append(StatementLine(day, x.document, max(x.amount, 0), max(-x.amount, 0), running, x.kind,
                                   x.entry_id, x.at))
    return Statement(start, end, opening, tuple(lines), running if lines else opening)
