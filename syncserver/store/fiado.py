"""The master's fiado book: customers (merged by RUT), fiado accounts, the ledger of every store's entries
(``shared.fiado.entries``), balances, over-limit flags and store settings, folded in one tenant-wide order
(``fiado_log``); what the tills receive of it (feed kinds ``customer`` and ``fiado_entry``); HQ's actions. The ingest
folds batches through it (``syncserver.ingest.fiado``). docs/fiado.md."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from shared import fiado as ledger
from shared import text_fold
from shared.events import codec as codec_mod
from shared.events import envelope, returns, sales
from shared.events import fiado as ev
from syncserver.store import bulk, change_feed, db

CUSTOMER_CHANGE: Final = "customer"
"""Feed kind of a customer as the master knows it (tenant-wide; key: ``customer_id``; ``data``:
``codec.to_payload`` of its :class:`shared.events.fiado.CustomerReceived`)."""
ENTRY_CHANGE: Final = "fiado_entry"
"""Feed kind of a ledger entry the master folded (tenant-wide; key: ``entry_id``; ``data``: ``codec.to_payload`` of
its :class:`shared.events.fiado.FiadoEntryReceived`; the till that journaled it skips it)."""
SETTINGS_CHANGE: Final = "fiado_settings"
"""Feed kind of a store's fiado settings as the master folded them (for that store's tills only; key: ``store_id``;
``data``: ``codec.to_payload`` of its :class:`shared.events.fiado.FiadoSettingsReceived`)."""
HQ_STORE: Final = "hq"
"""The ``store_id`` of what HQ saved (a customer created or edited at HQ, a limit set there)."""
FOLDED: Final = ("people", "customer_aliases", "fiado_accounts", "fiado_entries", "fiado_payments", "fiado_balances",
                 "fiado_flags", "fiado_settings")
"""The tables the fold writes (a rebuild clears and refills them; ``fiado_log`` is kept: it is the order)."""
TYPES: Final = frozenset({ev.CustomerProfileSaved.TYPE, ev.FiadoAccountSet.TYPE, ev.FiadoPaid.TYPE,
                          ev.FiadoPaymentReversed.TYPE, ev.FiadoSettingsSet.TYPE})
"""Event types that are all fiado; a sale or a return is when it has a fiado part (:func:`concerns`)."""
OVER_LIMIT: Final = "over_limit"
MERGED_WITH_BALANCES: Final = "merge_with_balances"
_LOCK = "almacen.fiado:{}"
_FIADO_EVENTS = (ev.CustomerProfileSaved, ev.FiadoAccountSet, ev.FiadoPaid, ev.FiadoPaymentReversed,
                 ev.FiadoSettingsSet)


def concerns(event: Any) -> bool:
    """Whether a decoded event moves the master's customers or ledger."""
    if isinstance(event, sales.SaleCompleted):
        return event.fiado is not None and event.customer_id != ""
    if isinstance(event, returns.ReturnCompleted):
        return event.customer_id != "" and any(t.kind == "fiado" for t in event.refunds)
    return isinstance(event, _FIADO_EVENTS)


async def lock(conn: db.Conn, tenant_id: int) -> None:
    """Hold the tenant's fiado lock until the transaction ends: one batch (or HQ action) folds customers and
    balances at a time, so merges, balances and flags are those of one sequence, which ``fiado_log`` records."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_LOCK.format(tenant_id),))


def search_text(name: str, rut: str, phone: str) -> str:
    """What HQ's customer search looks in: the folded name, the RUT's digits and check digit run together, the
    phone's digits (`` juan perez 123456785 56912345678 ``)."""
    digits = "".join(c for c in phone if c.isdigit())
    return f" {text_fold.fold(name)} {text_fold.joined(rut)} {digits} "


def _at(value: str) -> datetime:
    """An entry's or action's time (ISO 8601: ``shared.fiado.utc_at`` for entries, whose rules refuse any other) as an
    aware datetime; one without offset is UTC."""
    at = datetime.fromisoformat(value)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(slots=True)
class Person:
    """A customer's profile at the master (``people``)."""

    customer_id: str
    name: str
    rut: str
    phone: str
    address: str
    notes: str
    active: bool
    store_id: str
    saved_by: str
    saved_at: str
    first_seen: int


@dataclass(slots=True)
class Account:
    """A customer's fiado account (``fiado_accounts``)."""

    enabled: bool
    credit_limit: int
    store_id: str
    set_by: str
    set_at: str


@dataclass(slots=True)
class Balance:
    """A surviving customer's balance (its own and its aliases' entries) and the terminals that charged it since it
    last came to zero or below (``fiado_balances``)."""

    balance: int = 0
    open_terminals: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Payment:
    """A payment (abono) or a reversal of one (``fiado_payments``; a reversal's ``reverses`` names the payment)."""

    payment_id: str
    entry_id: str
    customer_id: str
    kind: str
    amount: int
    store_id: str
    reverses: str = ""
    reversed_by: str = ""


@dataclass(slots=True)
class Flag:
    """Something the manager and HQ should look at (``fiado_flags``)."""

    customer_id: str
    kind: str
    entry_id: str
    detail: str
    terminals: list[str]
    stores: list[str]
    raised_at: datetime
    resolved_at: datetime | None = None


@dataclass
class Book:
    """The tenant's fiado state as far as a batch needs it: loaded for the ids it names (:func:`load`), or all of it
    (a rebuild starts empty). :meth:`problem` checks an event against it; :meth:`apply` folds one in;
    :meth:`write` saves what changed."""

    tenant_id: int
    batch: int = 0
    people: dict[str, Person] = field(default_factory=dict)
    by_rut: dict[str, str] = field(default_factory=dict)
    alias_of: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    balances: dict[str, Balance] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    flags: dict[tuple[str, str, str], Flag] = field(default_factory=dict)
    settings: dict[str, tuple[int, str, str, str]] = field(default_factory=dict)
    elsewhere: set[str] = field(default_factory=set)
    """Customer ids another tenant holds (read when the batch names an id this tenant does not hold)."""
    store_names: dict[str, str] = field(default_factory=dict)
    terminal_stores: dict[str, str] = field(default_factory=dict)
    seen: tuple[int, int] = (0, 0)
    """``(batch, customers first seen in it so far)``: a customer's ``first_seen`` is its batch and place in it."""
    entries: list[ledger.Entry] = field(default_factory=list)
    """The entries folded, in order (written and forwarded)."""
    new_aliases: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    dirty_people: set[str] = field(default_factory=set)
    dirty_accounts: set[str] = field(default_factory=set)
    dirty_balances: set[str] = field(default_factory=set)
    dropped_balances: set[str] = field(default_factory=set)
    dirty_payments: set[str] = field(default_factory=set)
    dirty_flags: set[tuple[str, str, str]] = field(default_factory=set)
    dirty_settings: set[str] = field(default_factory=set)
    changed: list[str] = field(default_factory=list)
    """Surviving customers whose master view changed (profile, account, aliases), in order: forwarded to tills."""

    # -- reading ---------------------------------------------------------------------------------------------------

    def survivor(self, customer_id: str) -> str:
        """The customer ``customer_id`` counts for (itself, or the one it was merged into)."""
        return self.alias_of.get(customer_id, customer_id)

    def aliases(self, customer_id: str) -> tuple[str, ...]:
        """The ids merged into ``customer_id``, sorted."""
        return tuple(sorted(a for a, s in self.alias_of.items() if s == customer_id))

    def known(self, customer_id: str) -> bool:
        return customer_id in self.people or customer_id in self.alias_of

    def limit(self, customer_id: str) -> int:
        account = self.accounts.get(customer_id)
        return account.credit_limit if account is not None and account.enabled else 0

    def received(self, customer_id: str) -> ev.CustomerReceived:
        """The master view of surviving ``customer_id`` the tills receive."""
        p = self.people[customer_id]
        account = self.accounts.get(customer_id)
        return ev.CustomerReceived(customer_id=p.customer_id, name=p.name, rut=p.rut, phone=p.phone,
                                   address=p.address, notes=p.notes,
                                   fiado_enabled=account is not None and account.enabled,
                                   credit_limit=account.credit_limit if account is not None else 0,
                                   aliases=self.aliases(customer_id), active=p.active,
                                   flags=self.open_flags(customer_id))

    def open_flags(self, customer_id: str) -> tuple[str, ...]:
        """The Spanish texts of the open flags on surviving ``customer_id`` and the ids merged into it, oldest
        first (the book holds every open flag of the customers it loaded)."""
        members = {customer_id, *self.aliases(customer_id)}
        return tuple(f.detail for f in sorted(self.flags.values(), key=lambda f: (f.raised_at, f.kind, f.entry_id))
                     if f.customer_id in members and f.resolved_at is None)

    # -- checks (scope) --------------------------------------------------------------------------------------------

    def problem(self, entry: envelope.Envelope, event: Any) -> str | None:
        """Why ``event`` cannot be folded, in Spanish for HQ's quarantine page (None: it can; then it is folded into
        this book, so the batch's next events are checked against it): a customer another tenant holds; a payment,
        a reversal or an account for a customer the master does not hold; a reversal of an unknown payment, of a
        reversal, of a payment already reversed, or that does not match its payment; a payment id used twice."""
        reason = self._problem(event)
        if reason is None and concerns(event):
            self.apply(entry, event)
        return reason

    def _problem(self, event: Any) -> str | None:
        if not concerns(event):
            return None
        customer_id = str(getattr(event, "customer_id", ""))
        if customer_id in self.elsewhere and not self.known(customer_id):
            what = _WHAT.get(type(event), "el evento")
            tail = "; la venta no se registró y su documento no se envía al SII" if isinstance(
                event, sales.SaleCompleted) else ("; la devolución no se registró y su documento no se envía al SII"
                                                  if isinstance(event, returns.ReturnCompleted) else "; no se aplicó")
            return f"cliente de otra empresa: {what} nombra al cliente {customer_id}, que no es de esta empresa{tail}"
        if isinstance(event, (ev.FiadoPaid, ev.FiadoPaymentReversed, ev.FiadoAccountSet)) \
                and not self.known(customer_id):
            return (f"cliente desconocido: {_WHAT[type(event)]} es para el cliente {customer_id}, que el servidor no"
                    " tiene (ninguna caja ni HQ lo creó); no se aplicó")
        if isinstance(event, ev.FiadoPaid) and event.payment_id in self.payments:
            return f"abono repetido: el abono {event.payment_id} ya llegó antes (id repetido); se aplica una vez"
        if isinstance(event, ev.FiadoPaymentReversed):
            return self._reversal_problem(event)
        return None

    def _reversal_problem(self, event: ev.FiadoPaymentReversed) -> str | None:
        what = f"la reversa {event.reversal_id}"
        if event.reversal_id in self.payments:
            return f"reversa repetida: {what} ya llegó antes (id repetido); se aplica una vez"
        paid = self.payments.get(event.payment_id)
        if paid is None:
            return (f"abono desconocido: {what} nombra el abono {event.payment_id}, que ninguna caja registró;"
                    " no se aplicó")
        if paid.reverses:
            return (f"reversa de una reversa: {what} nombra {event.payment_id}, que es una reversa (del abono"
                    f" {paid.reverses}); una reversa no se revierte: registre un abono nuevo. No se aplicó")
        if paid.reversed_by:
            return (f"abono ya reversado: el abono {event.payment_id} se reversó antes (reversa {paid.reversed_by});"
                    " un abono se reversa una vez. No se aplicó")
        if self.survivor(paid.customer_id) != self.survivor(event.customer_id):
            return (f"cliente equivocado: {what} nombra al cliente {event.customer_id}, y el abono"
                    f" {event.payment_id} es del cliente {paid.customer_id}; no se aplicó")
        if paid.amount != event.amount:
            return (f"monto equivocado: {what} es de ${event.amount:,}".replace(",", ".")
                    + f" y el abono {event.payment_id} fue de ${paid.amount:,}".replace(",", ".") + "; no se aplicó")
        return None

    # -- folding ---------------------------------------------------------------------------------------------------

    def apply(self, entry: envelope.Envelope, event: Any) -> None:
        """Fold one event of a till (checked by :meth:`problem`, or folded before when rebuilding)."""
        if isinstance(event, ev.CustomerProfileSaved):
            self._profile(event.customer_id, event.name, event.rut, event.phone, event.address, event.notes,
                          event.active, entry.store_id, event.saved_by, entry.occurred_at)
        elif isinstance(event, ev.FiadoAccountSet):
            self._account(event.customer_id, event.enabled, event.credit_limit, entry.store_id, event.set_by,
                          entry.occurred_at)
        elif isinstance(event, ev.FiadoSettingsSet):
            self.settings[entry.store_id] = (event.offline_allowance, event.overpayment, event.set_by,
                                             entry.occurred_at)
            self.dirty_settings.add(entry.store_id)
        if not isinstance(event, (ev.CustomerProfileSaved, ev.FiadoAccountSet, ev.FiadoSettingsSet)):
            for x in ledger.entries(entry, event):
                self._entry(x, event)

    def apply_action(self, action: Mapping[str, Any]) -> None:
        """Fold one of HQ's actions (``fiado_log.action``; :mod:`syncserver.store.customers` makes them): ``profile``,
        ``account`` or ``merge``."""
        kind, by, at = action["kind"], str(action["by"]), str(action["at"])
        if kind == "profile":
            self._profile(str(action["customer_id"]), str(action["name"]), str(action["rut"]),
                          str(action["phone"]), str(action["address"]), str(action["notes"]),
                          bool(action["active"]), HQ_STORE, by, at)
        elif kind == "account":
            self._account(str(action["customer_id"]), bool(action["enabled"]), int(action["credit_limit"]),
                          HQ_STORE, by, at)
        elif kind == "merge":
            self._merge(str(action["keep"]), str(action["drop"]), "manual", by, at)
        else:
            raise ValueError(f"acción desconocida en fiado_log: {kind!r}")

    def _first_seen(self) -> int:
        batch, n = self.seen
        n = n + 1 if batch == self.batch else 1
        self.seen = (self.batch, n)
        return self.batch * 1_000_000 + n

    def _changed(self, customer_id: str) -> None:
        if customer_id not in self.changed:
            self.changed.append(customer_id)

    def _profile(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str, active: bool,
                 store_id: str, by: str, at: str) -> None:
        target = self.survivor(customer_id)
        known = self.people.get(target)
        person = Person(target, name, rut, phone, address, notes, active, store_id, by, at,
                        known.first_seen if known is not None else self._first_seen())
        if known is not None and known.rut and self.by_rut.get(known.rut) == target and known.rut != rut:
            del self.by_rut[known.rut]
        self.people[target] = person
        self.dirty_people.add(target)
        self._changed(target)
        if rut:
            holder = self.by_rut.get(rut)
            if holder is None or holder == target:
                self.by_rut[rut] = target
            else:  # the same person created elsewhere: the one the master saw first survives
                first, later = sorted((holder, target), key=lambda c: (self.people[c].first_seen, c))
                self._merge(first, later, "rut", by, at)

    def _account(self, customer_id: str, enabled: bool, credit_limit: int, store_id: str, by: str, at: str) -> None:
        target = self.survivor(customer_id)
        self.accounts[target] = Account(enabled, credit_limit, store_id, by, at)
        self.dirty_accounts.add(target)
        self._changed(target)
        self._resolve(target, _at(at))

    def _merge(self, keep: str, drop: str, reason: str, by: str, at: str) -> None:
        """``drop`` (and what was merged into it) now counts for ``keep``: its entries add to ``keep``'s balance;
        ``keep``'s account stays (``drop``'s when ``keep`` has none). Both histories are kept."""
        moved = [drop, *self.aliases(drop)]
        for alias in moved:
            self.alias_of[alias] = keep
            self.new_aliases.append((alias, keep, reason, by, at))
        kept = self.balances.setdefault(keep, Balance())
        gone = self.balances.pop(drop, None)
        if gone is not None:
            if kept.balance != 0 and gone.balance != 0:
                self._raise(keep, MERGED_WITH_BALANCES, f"merge:{drop}", _at(at), _merged_detail(
                    self.people[keep], self.people[drop], kept.balance, gone.balance), [], [])
            kept.balance += gone.balance
            kept.open_terminals = sorted(set(kept.open_terminals) | set(gone.open_terminals))
            self.dropped_balances.add(drop)
        self.dirty_balances.add(keep)
        if keep not in self.accounts and drop in self.accounts:
            self.accounts[keep] = self.accounts[drop]
            self.dirty_accounts.add(keep)
        dropped = self.people.get(drop)
        if dropped is not None and dropped.rut and self.by_rut.get(dropped.rut) == drop:
            self.by_rut[dropped.rut] = keep
        self._changed(keep)
        if kept.balance <= self.limit(keep):  # the merged account is within its limit: the flags of both close
            for customer in [*moved, keep]:
                self._resolve(customer, _at(at), force=True)

    def _entry(self, x: ledger.Entry, event: Any) -> None:
        at = _at(x.at)
        customer = self.survivor(x.customer_id)
        if customer not in self.people:  # a charge for a customer whose profile the master lacks: kept all the same
            self.people[customer] = Person(customer, "Cliente sin ficha", "", "", "", "", True, x.store_id,
                                           x.terminal_id, x.at, self._first_seen())
            self.dirty_people.add(customer)
        self.entries.append(x)
        b = self.balances.setdefault(customer, Balance())
        before = b.balance
        b.balance += x.amount
        self.dirty_balances.add(customer)
        if x.kind in ("abono", "reverso"):
            self._payment(x, event)
        if x.amount > 0 and x.terminal_id and x.terminal_id not in b.open_terminals:
            b.open_terminals = [*b.open_terminals, x.terminal_id]
        if b.balance <= 0:
            b.open_terminals = []
        if x.amount < 0:
            self._resolve(customer, at)
        elif x.kind == "cargo" and isinstance(event, sales.SaleCompleted) and event.fiado is not None:
            limit = self.limit(customer)
            charge = event.fiado
            unseen = before > charge.balance_before  # charges the till had not heard of
            if b.balance > limit and (not charge.approved_by or unseen):
                self._over_limit(customer, x, at, before, charge, unseen)

    def _payment(self, x: ledger.Entry, event: Any) -> None:
        if isinstance(event, ev.FiadoPaid):
            self.payments[event.payment_id] = Payment(event.payment_id, x.entry_id, event.customer_id, event.kind,
                                                      event.amount, x.store_id)
            self.dirty_payments.add(event.payment_id)
        elif isinstance(event, ev.FiadoPaymentReversed):
            self.payments[event.reversal_id] = Payment(event.reversal_id, x.entry_id, event.customer_id, event.kind,
                                                       event.amount, x.store_id, reverses=event.payment_id)
            self.dirty_payments.add(event.reversal_id)
            paid = self.payments.get(event.payment_id)
            if paid is not None:
                paid.reversed_by = event.reversal_id
                self.dirty_payments.add(event.payment_id)

    def _over_limit(self, customer: str, x: ledger.Entry, at: datetime, before: int, charge: ev.FiadoCharge,
                    unseen: bool) -> None:
        b = self.balances[customer]
        limit = self.limit(customer)
        terminals = list(b.open_terminals)
        stores = sorted({self.terminal_stores.get(t, x.store_id) for t in terminals} | {x.store_id})
        if unseen and len(terminals) > 1:
            why = (f"cargos desde {len(terminals)} cajas que no se conocían entre sí (la caja que cobró el último"
                   f" conocía un saldo de {_pesos(charge.balance_before)}, y era de {_pesos(before)})")
        elif unseen:
            why = (f"la caja conocía un saldo de {_pesos(charge.balance_before)}, y era de {_pesos(before)}")
        else:
            why = "un cargo sobre el límite sin autorización de un supervisor"
        account = self.accounts.get(customer)
        limit_text = f"el límite de {_pesos(limit)}" if account is not None and account.enabled \
            else "el límite (el fiado no está habilitado para este cliente)"
        detail = f"Saldo de {_pesos(b.balance)} sobre {limit_text}: {why}."
        self._raise(customer, OVER_LIMIT, x.entry_id, at, detail, terminals, stores)

    def _raise(self, customer: str, kind: str, key: str, at: datetime, detail: str, terminals: list[str],
               stores: list[str]) -> None:
        """One open flag of each kind per customer: a later cause updates the open one."""
        for k, flag in self.flags.items():
            if flag.customer_id == customer and flag.kind == kind and flag.resolved_at is None and kind == OVER_LIMIT:
                self.flags[k] = replace(flag, detail=detail, terminals=terminals, stores=stores)
                self.dirty_flags.add(k)
                if flag.detail != detail:
                    self._changed(customer)
                return
        k = (customer, kind, key)
        self.flags[k] = Flag(customer, kind, key, detail, terminals, stores, at)
        self.dirty_flags.add(k)
        self._changed(customer)  # the tills show the manager the flag (``CustomerReceived.flags``)

    def _resolve(self, customer: str, at: datetime, *, force: bool = False) -> None:
        """An over-limit flag closes when the balance is back within the limit (``force``: the caller knows)."""
        b = self.balances.get(customer)
        if not force and b is not None and b.balance > self.limit(customer):
            return
        for k, flag in self.flags.items():
            if flag.customer_id == customer and flag.kind == OVER_LIMIT and flag.resolved_at is None:
                flag.resolved_at = at
                self.dirty_flags.add(k)
                self._changed(self.survivor(customer))  # the tills drop the flag

    # -- writing ---------------------------------------------------------------------------------------------------

    async def write(self, conn: db.Conn) -> None:
        """Save what changed, in the caller's transaction; then each touched customer's oldest unpaid charge (FIFO)
        from the ledger."""
        t = self.tenant_id
        async with conn.cursor() as cur:
            if self.dirty_people:
                rows = [(t, p.customer_id, p.name, p.rut, p.phone, p.address, p.notes, p.active,
                         search_text(p.name, p.rut, p.phone), p.store_id, p.saved_by, p.saved_at, p.first_seen)
                        for p in (self.people[c] for c in sorted(self.dirty_people))]
                await bulk.insert(cur, "people", _PEOPLE, rows, suffix=_upsert(_PEOPLE, 2, keep=("first_batch",)))
            if self.new_aliases:
                last = {alias: (t, alias, keep, reason, by, at) for alias, keep, reason, by, at in self.new_aliases}
                await bulk.insert(cur, "customer_aliases", _ALIASES, [last[a] for a in sorted(last)],
                                  suffix=_upsert(_ALIASES, 2))
            if self.dirty_accounts:
                await bulk.insert(cur, "fiado_accounts", _ACCOUNTS, [
                    (t, c, a.enabled, a.credit_limit, a.store_id, a.set_by, a.set_at)
                    for c, a in ((c, self.accounts[c]) for c in sorted(self.dirty_accounts))],
                    suffix=_upsert(_ACCOUNTS, 2))
            if self.entries:
                await bulk.insert(cur, "fiado_entries", _ENTRIES, [
                    (t, x.entry_id, x.customer_id, x.kind, x.amount, x.store_id, x.terminal_id, x.document,
                     x.reference, _at(x.at), x.reverses or "", x.counter_account) for x in self.entries],
                    suffix="ON CONFLICT (tenant_id, entry_id) DO NOTHING")
            if self.dirty_payments:
                await bulk.insert(cur, "fiado_payments", _PAYMENTS, [
                    (t, p.payment_id, p.entry_id, p.customer_id, p.kind, p.amount, p.store_id, p.reverses,
                     p.reversed_by) for p in (self.payments[k] for k in sorted(self.dirty_payments))],
                    suffix=_upsert(_PAYMENTS, 2))
            if self.dropped_balances:
                await cur.execute("DELETE FROM fiado_balances WHERE tenant_id = %s AND customer_id = ANY(%s)",
                                  (t, sorted(self.dropped_balances)))
            touched = sorted(self.dirty_balances - self.dropped_balances)
            if touched:
                await cur.executemany(_insert("fiado_balances", _BALANCES), [
                    (t, c, self.balances[c].balance, self.balances[c].open_terminals) for c in touched])
                group = [(c, m) for c in touched for m in (c, *self.aliases(c))]
                await cur.execute(_OLDEST_UNPAID, {"tenant": t, "ids": touched, "survivors": [c for c, _m in group],
                                                   "members": [m for _c, m in group]})
            if self.dirty_flags:
                await cur.executemany(_insert("fiado_flags", _FLAGS, key=4), [
                    (t, f.customer_id, f.kind, f.entry_id, f.detail, f.terminals, f.stores, f.raised_at,
                     f.resolved_at) for f in (self.flags[k] for k in sorted(self.dirty_flags))])
            if self.dirty_settings:
                await bulk.insert(cur, "fiado_settings", _SETTINGS, [
                    (t, s, *self.settings[s]) for s in sorted(self.dirty_settings)], suffix=_upsert(_SETTINGS, 2))

    async def forward(self, conn: db.Conn) -> None:
        """Publish to the tenant's tills each customer whose master view changed (profile, account, aliases, open
        flags) and each entry folded; to a store's tills, its fiado settings when they changed."""
        changes = [(CUSTOMER_CHANGE, c, codec_mod.to_payload(self.received(c))) for c in self.changed
                   if c in self.people and c not in self.alias_of]
        changes += [(ENTRY_CHANGE, x.entry_id, codec_mod.to_payload(self.forwarded(x))) for x in self.entries]
        await change_feed.append_many(conn, self.tenant_id, changes)
        for store in sorted(self.dirty_settings):
            allowance, overpayment, by, at = self.settings[store]
            await change_feed.append_change(conn, self.tenant_id, SETTINGS_CHANGE, store, codec_mod.to_payload(
                ev.FiadoSettingsReceived(allowance, overpayment, by, at)), store_id=store)

    def forwarded(self, x: ledger.Entry) -> ev.FiadoEntryReceived:
        """The entry as another till receives it (its document names the store it was made at)."""
        store = self.store_names.get(x.store_id, "")
        document = f"{x.document} · {store}" if store and x.document else x.document
        if len(document) > ledger.DOCUMENT_MAX:
            document = x.document
        return replace(ledger.received(x), document=document)


_WHAT: dict[type[Any], str] = {
    ev.FiadoPaid: "el abono", ev.FiadoPaymentReversed: "la reversa del abono", ev.FiadoAccountSet: "la cuenta de fiado",
    ev.CustomerProfileSaved: "la ficha del cliente", sales.SaleCompleted: "la venta al fiado",
    returns.ReturnCompleted: "la devolución al fiado"}


def _pesos(amount: int) -> str:
    return ("-" if amount < 0 else "") + "$" + f"{abs(amount):,}".replace(",", ".")


def _merged_detail(keep: Person, drop: Person, kept: int, dropped: int) -> str:
    return (f"Se unió «{drop.name}» (RUT {drop.rut or 'sin RUT'}, creado en {drop.store_id}) con «{keep.name}»"
            f" (creado en {keep.store_id}): los dos tenían saldo ({_pesos(dropped)} y {_pesos(kept)}); el saldo"
            f" unido es {_pesos(kept + dropped)}. Revise que sean la misma persona.")


_PEOPLE = [("tenant_id", "bigint"), ("customer_id", "text"), ("name", "text"), ("rut", "text"), ("phone", "text"),
           ("address", "text"), ("notes", "text"), ("active", "boolean"), ("search_text", "text"),
           ("store_id", "text"), ("saved_by", "text"), ("saved_at", "text"), ("first_batch", "bigint")]
_ALIASES = [("tenant_id", "bigint"), ("alias_id", "text"), ("customer_id", "text"), ("reason", "text"),
            ("merged_by", "text"), ("merged_at", "text")]
_ACCOUNTS = [("tenant_id", "bigint"), ("customer_id", "text"), ("enabled", "boolean"), ("credit_limit", "bigint"),
             ("store_id", "text"), ("set_by", "text"), ("set_at", "text")]
_ENTRIES = [("tenant_id", "bigint"), ("entry_id", "text"), ("customer_id", "text"), ("kind", "text"),
            ("amount", "bigint"), ("store_id", "text"), ("terminal_id", "text"), ("document", "text"),
            ("reference", "text"), ("at", "timestamptz"), ("reverses", "text"), ("counter_account", "text")]
_PAYMENTS = [("tenant_id", "bigint"), ("payment_id", "text"), ("entry_id", "text"), ("customer_id", "text"),
             ("kind", "text"), ("amount", "bigint"), ("store_id", "text"), ("reverses", "text"),
             ("reversed_by", "text")]
_BALANCES = [("tenant_id", "bigint"), ("customer_id", "text"), ("balance", "bigint"), ("open_terminals", "text[]")]
_FLAGS = [("tenant_id", "bigint"), ("customer_id", "text"), ("kind", "text"), ("entry_id", "text"),
          ("detail", "text"), ("terminals", "text[]"), ("stores", "text[]"), ("raised_at", "timestamptz"),
          ("resolved_at", "timestamptz")]
_SETTINGS = [("tenant_id", "bigint"), ("store_id", "text"), ("offline_allowance", "bigint"), ("overpayment", "text"),
             ("set_by", "text"), ("set_at", "text")]


def _upsert(columns: Sequence[tuple[str, str]], key: int, keep: Iterable[str] = ()) -> str:
    """``ON CONFLICT (the first ``key`` columns) DO UPDATE`` every other column but ``keep``."""
    names = [n for n, _t in columns]
    kept = set(keep)
    sets = ", ".join(f"{n} = excluded.{n}" for n in names[key:] if n not in kept)
    return f"ON CONFLICT ({', '.join(names[:key])}) DO UPDATE SET {sets}"


def _insert(table: str, columns: Sequence[tuple[str, str]], key: int = 2) -> str:
    """An upsert of one row (for tables with array columns, which ``bulk.insert``'s unnest would flatten)."""
    names = ", ".join(n for n, _t in columns)
    values = ", ".join(f"%s::{t}" for _n, t in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({values}) {_upsert(columns, key)}"


_OLDEST_UNPAID = """
UPDATE fiado_balances b SET oldest_unpaid_at = CASE WHEN b.balance <= 0 THEN NULL ELSE o.at END
FROM unnest(%(ids)s::text[]) AS x(id) LEFT JOIN LATERAL (
    SELECT c.at FROM (
        SELECT e.at, e.entry_id, e.kind,
               sum(e.amount) FILTER (WHERE e.kind = 'cargo') OVER (ORDER BY e.at, e.entry_id) AS charged,
               COALESCE(-sum(e.amount) FILTER (WHERE e.kind <> 'cargo') OVER (), 0) AS paid
        FROM unnest(%(survivors)s::text[], %(members)s::text[]) AS g(survivor, member) CROSS JOIN LATERAL (
            SELECT f.at, f.entry_id, f.kind, f.amount FROM fiado_entries f
            WHERE f.tenant_id = %(tenant)s AND f.customer_id = g.member) e
        WHERE g.survivor = x.id) c
    WHERE c.kind = 'cargo' AND c.charged > c.paid ORDER BY c.at, c.entry_id LIMIT 1) o ON true
WHERE b.tenant_id = %(tenant)s AND b.customer_id = x.id"""
"""Each touched customer's oldest unpaid charge as ``shared.fiado.fold`` has it: what was paid back (payments and
refunds net of reversals) pays the charges oldest first (FIFO); the first charge not covered in full (NULL when
nothing is owed)."""


# -- loading --------------------------------------------------------------------------------------------------------


def _names(payloads: Iterable[Any]) -> tuple[set[str], set[str], set[str]]:
    """The customer ids, payment (and reversal) ids and RUTs raw payloads name."""
    ids: set[str] = set()
    payments: set[str] = set()
    ruts: set[str] = set()
    for p in payloads:
        if not isinstance(p, dict):
            continue
        if isinstance(value := p.get("customer_id"), str) and value:
            ids.add(value)
        for name in ("payment_id", "reversal_id"):
            if isinstance(value := p.get(name), str) and value:
                payments.add(value)
        if isinstance(value := p.get("rut"), str) and value:
            ruts.add(value)
    return ids, payments, ruts


async def load(conn: db.Conn, tenant_id: int, payloads: Iterable[Any], *, ids: Iterable[str] = (),
               ruts: Iterable[str] = ()) -> Book:
    """The book of what ``payloads`` (raw event payloads or HQ actions) and ``ids`` name: those customers (and the
    ones their RUTs or merges join them to), their accounts, balances, open flags, the payments named, the tenant's
    store names; whether another tenant holds an id this one does not. Hold :func:`lock` first."""
    named, payment_ids, named_ruts = _names(payloads)
    named |= set(ids)
    named_ruts |= set(ruts)
    book = Book(tenant_id)
    rows = await (await conn.execute(
        "SELECT payment_id, entry_id, customer_id, kind, amount, store_id, reverses, reversed_by FROM fiado_payments"
        " WHERE tenant_id = %s AND payment_id = ANY(%s)", (tenant_id, sorted(payment_ids)))).fetchall()
    for r in rows:
        book.payments[str(r[0])] = Payment(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]),
                                           str(r[6]), str(r[7]))
        named.add(str(r[2]))
    # the customers named, those with the RUTs named, and whatever is merged with any of them
    rows = await (await conn.execute(
        "WITH n AS (SELECT customer_id FROM people WHERE tenant_id = %(t)s AND (customer_id = ANY(%(ids)s)"
        " OR (rut <> '' AND rut = ANY(%(ruts)s)))), s AS (SELECT COALESCE(a.customer_id, n.customer_id) AS id"
        " FROM n LEFT JOIN customer_aliases a ON a.tenant_id = %(t)s AND a.alias_id = n.customer_id"
        " UNION SELECT a.customer_id FROM customer_aliases a WHERE a.tenant_id = %(t)s AND a.alias_id = ANY(%(ids)s))"
        " SELECT s.id, a.alias_id FROM s LEFT JOIN customer_aliases a ON a.tenant_id = %(t)s AND a.customer_id = s.id",
        {"t": tenant_id, "ids": sorted(named), "ruts": sorted(named_ruts)})).fetchall()
    survivors = {str(r[0]) for r in rows}
    for r in rows:
        if r[1] is not None:
            book.alias_of[str(r[1])] = str(r[0])
    group = sorted(survivors | set(book.alias_of))
    rows = await (await conn.execute(
        "SELECT customer_id, name, rut, phone, address, notes, active, store_id, saved_by, saved_at, first_batch"
        " FROM people WHERE tenant_id = %s AND customer_id = ANY(%s)", (tenant_id, group))).fetchall()
    for r in rows:
        p = Person(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), bool(r[6]), str(r[7]),
                   str(r[8]), str(r[9]), int(r[10]))
        book.people[p.customer_id] = p
        if p.rut and p.customer_id not in book.alias_of:
            book.by_rut[p.rut] = p.customer_id
    rows = await (await conn.execute(
        "SELECT customer_id, enabled, credit_limit, store_id, set_by, set_at FROM fiado_accounts"
        " WHERE tenant_id = %s AND customer_id = ANY(%s)", (tenant_id, group))).fetchall()
    for r in rows:
        book.accounts[str(r[0])] = Account(bool(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]))
    rows = await (await conn.execute(
        "SELECT customer_id, balance, open_terminals FROM fiado_balances WHERE tenant_id = %s"
        " AND customer_id = ANY(%s)", (tenant_id, group))).fetchall()
    for r in rows:
        book.balances[str(r[0])] = Balance(int(r[1]), [str(x) for x in r[2]])
    rows = await (await conn.execute(
        "SELECT customer_id, kind, entry_id, detail, terminals, stores, raised_at, resolved_at FROM fiado_flags"
        " WHERE tenant_id = %s AND customer_id = ANY(%s) AND resolved_at IS NULL", (tenant_id, group))).fetchall()
    for r in rows:
        book.flags[(str(r[0]), str(r[1]), str(r[2]))] = Flag(str(r[0]), str(r[1]), str(r[2]), str(r[3]),
                                                             list(r[4]), list(r[5]), r[6], r[7])
    unknown = sorted(c for c in named if not book.known(c))
    if unknown:
        rows = await (await conn.execute("SELECT id FROM unnest(%s::text[]) AS x(id) WHERE customer_held_elsewhere(id)",
                                         (unknown,))).fetchall()
        book.elsewhere = {str(r[0]) for r in rows}
    await load_names(conn, book)
    return book


async def load_names(conn: db.Conn, book: Book) -> None:
    """The tenant's store names and which store each terminal is of."""
    rows = await (await conn.execute("SELECT store_id, name FROM stores WHERE tenant_id = %s",
                                     (book.tenant_id,))).fetchall()
    book.store_names = {str(r[0]): str(r[1]) for r in rows}
    rows = await (await conn.execute("SELECT terminal_id, store_id FROM terminals WHERE tenant_id = %s",
                                     (book.tenant_id,))).fetchall()
    book.terminal_stores = {str(r[0]): str(r[1]) for r in rows}


async def next_batch(conn: db.Conn, tenant_id: int) -> int:
    """The number the next batch or HQ action folded takes in ``fiado_log`` (hold :func:`lock`)."""
    row = await (await conn.execute("SELECT COALESCE(max(batch), 0) + 1 FROM fiado_log WHERE tenant_id = %s",
                                    (tenant_id,))).fetchone()
    assert row is not None
    return int(row[0])


# -- the ingest and HQ ----------------------------------------------------------------------------------------------


async def act(conn: db.Conn, tenant_id: int, action: dict[str, Any], *, ids: Iterable[str] = (),
              ruts: Iterable[str] = ()) -> Book:
    """Fold one of HQ's actions (``kind`` ``profile``, ``account`` or ``merge``, with ``by`` and ``at``) in the
    caller's transaction, holding the fiado lock: logged in ``fiado_log`` (the rebuild replays it), written and
    forwarded. Returns the book after it (for the caller's checks, made before with :func:`load`)."""
    await lock(conn, tenant_id)
    book = await load(conn, tenant_id, [action], ids=ids, ruts=ruts)
    book.batch = await next_batch(conn, tenant_id)
    await conn.execute("INSERT INTO fiado_log (tenant_id, batch, action) VALUES (%s, %s, %s)",
                       (tenant_id, book.batch, json.dumps(action, ensure_ascii=False)))
    book.apply_action(action)
    await book.write(conn)
    await book.forward(conn)
    return book


