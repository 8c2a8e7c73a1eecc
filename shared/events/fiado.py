"""Events of customers and their store credit (fiado): the people a store knows, their credit accounts, payments
(abonos) and reversals, the store's fiado settings, and what the master forwards to every till of the tenant.

Amounts are int CLP, always positive in the event: the kind of event says which way the customer's balance goes
(``shared.fiado.entries`` gives the signed ledger entries both the till and the master fold). A customer's
balance is what they owe (positive) or hold in their favour (negative). docs/fiado.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

OVERPAYMENT_POLICIES: Final = ("credit", "refuse")
"""What a payment larger than the balance does: ``credit`` keeps the excess as saldo a favor, ``refuse`` refuses
the payment (the store's choice, :class:`FiadoSettingsSet`)."""
ENTRY_KINDS: Final = ("cargo", "abono", "devolucion", "reverso")
"""Ledger entries: a sale on credit (cargo, +), a payment (abono, -), a return of a fiado sale credited to the
account (devolucion, -), a payment reversed by a supervisor (reverso, +)."""


@dataclass(frozen=True, slots=True)
class CustomerProfileSaved:
    """A customer created or edited at a till (sale screen or back office) of this store.

    ``customer_id`` is a UUIDv7 minted where the customer was first created (never reused); a later event with the
    same id replaces the profile. ``rut`` is "" or compact (``12345678-5``, dígito verificador checked); the same
    RUT created at two stores is merged at the master (:class:`CustomerReceived` then names the survivor and its
    ``aliases``). ``phone`` is as typed (digits, spaces, ``+``); texts single-spaced."""

    TYPE: ClassVar[str] = "customer.profile_saved"
    VERSION: ClassVar[int] = 1

    customer_id: str
    name: str
    rut: str
    phone: str
    address: str
    notes: str
    saved_by: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class FiadoAccountSet:
    """A manager of this store enabled (or disabled) fiado for ``customer_id`` with ``credit_limit`` CLP (> 0 when
    enabled: a limit of zero is refused)."""

    TYPE: ClassVar[str] = "fiado.account_set"
    VERSION: ClassVar[int] = 1

    customer_id: str
    enabled: bool
    credit_limit: int
    set_by: str


@dataclass(frozen=True, slots=True)
class FiadoCharge:
    """The part of a sale put on the customer's account (``SaleCompleted.fiado``; the customer is the sale's
    ``customer_id``): ``amount`` equals the sum of the sale's ``fiado`` tenders. ``balance_before`` and
    ``credit_limit`` are what the till knew when it decided (its own ledger plus what the master forwarded);
    ``approved_by`` is the supervisor whose PIN let the charge pass the limit ("" within it; the PIN is also
    journaled as ``auth.authorised`` with action ``fiado_over_limit``). The receipt prints
    ``balance_before + amount`` as the balance after the sale."""

    amount: int
    balance_before: int
    credit_limit: int
    approved_by: str = ""


@dataclass(frozen=True, slots=True)
class FiadoPaid:
    """A payment (abono) on the customer's account, taken at the till in ``shift_id``: ``kind`` is the tender
    (cash, debit, credit, transfer; counted in the shift like any cash movement), ``amount`` is credited to the
    account, ``received`` is what was handed over (cash: ``received - amount`` is the change; otherwise equal).
    ``balance_before`` is the balance the till knew; an ``amount`` over it leaves saldo a favor, allowed only when
    the store's overpayment policy is ``credit``."""

    TYPE: ClassVar[str] = "fiado.paid"
    VERSION: ClassVar[int] = 1

    payment_id: str
    customer_id: str
    shift_id: str
    cashier_id: str
    kind: str
    amount: int
    received: int
    balance_before: int


@dataclass(frozen=True, slots=True)
class FiadoPaymentReversed:
    """A supervisor reversed payment ``payment_id`` (a :class:`FiadoPaid`, never a reversal): a counter-entry that
    puts ``amount`` back on the account and takes it out of the expected ``kind`` of ``shift_id`` (the shift where
    the reversal is made). The payment itself is never edited."""

    TYPE: ClassVar[str] = "fiado.payment_reversed"
    VERSION: ClassVar[int] = 1

    reversal_id: str
    payment_id: str
    customer_id: str
    shift_id: str
    supervisor_id: str
    reason: str
    kind: str
    amount: int


@dataclass(frozen=True, slots=True)
class FiadoSettingsSet:
    """The store's fiado settings, set by its manager in the back office: ``offline_allowance`` is the most a till
    charges one customer on credit while it has not heard from the master (on top of the balance it knows, always
    within the limit; 0: no fiado offline without a supervisor), ``overpayment`` one of
    :data:`OVERPAYMENT_POLICIES`."""

    TYPE: ClassVar[str] = "fiado.settings_set"
    VERSION: ClassVar[int] = 1

    offline_allowance: int
    overpayment: str
    set_by: str


@dataclass(frozen=True, slots=True)
class CustomerReceived:
    """A customer as the master knows it, forwarded to every till of the tenant (change feed ``customer``):
    created or edited at HQ or at another store, merged by RUT (``aliases``: the ids merged into ``customer_id``,
    whose entries now count for it), with its fiado account (``fiado_enabled``, ``credit_limit``) as a manager or
    HQ last set it, and the master's open ``flags`` on it for the store manager (each in Spanish: over the limit
    because of charges from different terminals, a merge of two cards that both had balances; v2). Replaces the
    till's profile, account and flags of ``customer_id`` and of each alias."""

    TYPE: ClassVar[str] = "customer.received"
    VERSION: ClassVar[int] = 2

    customer_id: str
    name: str
    rut: str
    phone: str
    address: str
    notes: str
    fiado_enabled: bool
    credit_limit: int
    aliases: tuple[str, ...] = ()
    active: bool = True
    flags: tuple[str, ...] = ()


def upcast_customer_received_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``customer.received`` v1 payload as v2: the master sent no flags (none known)."""
    return {"flags": [], **payload}


@dataclass(frozen=True, slots=True)
class FiadoSettingsReceived:
    """The store's fiado settings as the master last folded them (a :class:`FiadoSettingsSet` journaled at one of
    the store's tills), forwarded to the store's tills only (change feed ``fiado_settings``): replaces the till's
    settings. The master ignores it when a till pushes it back."""

    TYPE: ClassVar[str] = "fiado.settings_received"
    VERSION: ClassVar[int] = 1

    offline_allowance: int
    overpayment: str
    set_by: str
    set_at: str = ""


@dataclass(frozen=True, slots=True)
class FiadoEntryReceived:
    """A ledger entry journaled by another terminal (of this or another store), as the master folded it (change
    feed ``fiado_entry``): ``entry_id`` is the event id of the event that made it (a till skips entries it already
    has), ``kind`` one of :data:`ENTRY_KINDS`, ``amount`` positive (the kind gives the sign), ``document`` the
    Spanish text a statement shows ("Boleta N° 123 · Local Centro"), ``at`` the journal time (ISO, UTC),
    ``reverses`` for a ``reverso`` the ``payment_id`` of the payment it reverses (the ``reference`` of that payment's
    ``abono`` entry), ``counter_account`` the other leg of the entry's postings (``shared.fiado.postings``; "" from
    a master that did not send it: derived from ``kind``)."""

    TYPE: ClassVar[str] = "fiado.entry_received"
    VERSION: ClassVar[int] = 1

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
