"""Read models of customers and fiado at the till: people, aliases, accounts, the ledger (``shared.fiado.entries``
of each event, in the transaction that journals it) and each customer's balance kept in step with it.
Tables: desktop/journal/migrations/versions/0017_fiado.py (and 0019: the master's flags); the model: docs/fiado.md."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from shared import fiado as fiado_mod
from shared import text_fold
from shared.events import envelope, fiado, returns, sales

TABLES = ("people", "customer_aliases", "fiado_accounts", "fiado_entries", "fiado_balances", "fiado_payments",
          "fiado_settings", "customer_flags")
"""Projection tables (cleared and refolded by ``rebuild-projections``)."""
PULL_MARK = "fiado_pull_mark"
"""``sync_state`` key: ``<epoch>:<seq>``, this till's journal acknowledged by the master at its last successful
pull; the charges journaled after it are the ones made "offline" (``charged_offline_since_pull``)."""
PULLED_AT = "fiado_pulled_at"
"""``sync_state`` key: when the last successful pull ended (ISO, the till's clock)."""


def search_keys(name: str, rut: str, phone: str) -> tuple[str, str, str]:
    """``(name_fold, rut_key, phone_key)``: the name's folded words, the RUT's digits and K run together
    (``12.345.678-5`` → ``123456785``), the phone's digits (``+56 9 8765 4321`` → ``56987654321``)."""
    return text_fold.fold(name), text_fold.joined(rut), "".join(c for c in phone if c.isdigit())


def survivor(conn: sqlite3.Connection, customer_id: str) -> str:
    """The customer ``customer_id`` counts for: the one it was merged into at the master, or itself."""
    row = conn.execute("SELECT customer_id FROM customer_aliases WHERE alias_id = ?", (customer_id,)).fetchone()
    return str(row[0]) if row else customer_id


def ids_of(conn: sqlite3.Connection, customer_id: str) -> list[str]:
    """``customer_id`` and every id merged into it (their entries count for it)."""
    return [customer_id, *(str(r[0]) for r in conn.execute(
        "SELECT alias_id FROM customer_aliases WHERE customer_id = ? ORDER BY alias_id", (customer_id,)))]


def _upsert_person(conn: sqlite3.Connection, customer_id: str, name: str, rut: str, phone: str, address: str,
                   notes: str, active: bool, saved_by: str, saved_at: str, source: str) -> None:
    name_fold, rut_key, phone_key = search_keys(name, rut, phone)
    conn.execute(
        "INSERT INTO people (customer_id, name, rut, phone, address, notes, active, name_fold, rut_key, phone_key,"
        " saved_by, saved_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id)"
        " DO UPDATE SET name = excluded.name, rut = excluded.rut, phone = excluded.phone,"
        " address = excluded.address, notes = excluded.notes, active = excluded.active,"
        " name_fold = excluded.name_fold, rut_key = excluded.rut_key, phone_key = excluded.phone_key,"
        " saved_by = excluded.saved_by, saved_at = excluded.saved_at, source = excluded.source",
        (customer_id, name, rut, phone, address, notes, int(active), name_fold, rut_key, phone_key, saved_by,
         saved_at, source))


def _set_account(conn: sqlite3.Connection, customer_id: str, enabled: bool, limit: int, set_by: str,
                 at: str) -> None:
    conn.execute("INSERT INTO fiado_accounts (customer_id, enabled, credit_limit, set_by, set_at)"
                 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET enabled = excluded.enabled,"
                 " credit_limit = excluded.credit_limit, set_by = excluded.set_by, set_at = excluded.set_at",
                 (customer_id, int(enabled), limit, set_by, at))


def profile_saved(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.CustomerProfileSaved) -> None:
    """A customer created or edited here (an id merged into another edits the survivor)."""
    _upsert_person(conn, survivor(conn, e.customer_id), e.name, e.rut, e.phone, e.address, e.notes, e.active,
                   e.saved_by, entry.occurred_at, "till")


def account_set(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoAccountSet) -> None:
    _set_account(conn, survivor(conn, e.customer_id), e.enabled, e.credit_limit, e.set_by, entry.occurred_at)


def settings_set(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoSettingsSet) -> None:
    """The store's latest fiado settings replace the ones before (one row)."""
    conn.execute("INSERT OR REPLACE INTO fiado_settings (id, offline_allowance, overpayment, set_by, set_at)"
                 " VALUES (1, ?, ?, ?, ?)", (e.offline_allowance, e.overpayment, e.set_by, entry.occurred_at))


def settings_received(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoSettingsReceived) -> None:
    """The store's settings as the master folded them (saved at one of the store's tills) replace the ones before."""
    conn.execute("INSERT OR REPLACE INTO fiado_settings (id, offline_allowance, overpayment, set_by, set_at)"
                 " VALUES (1, ?, ?, ?, ?)", (e.offline_allowance, e.overpayment, e.set_by,
                                             e.set_at or entry.occurred_at))


def customer_received(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.CustomerReceived) -> None:
    """The master's view of a customer replaces the till's profile and account of it and of each alias; the
    aliases' entries count for it from now on (its balance is folded again when an alias is new)."""
    target = e.customer_id
    conn.execute("DELETE FROM customer_aliases WHERE alias_id = ?", (target,))  # a survivor is no one's alias
    merged = False
    for alias in e.aliases:
        if alias == target:
            continue
        known = conn.execute("SELECT customer_id FROM customer_aliases WHERE alias_id = ?", (alias,)).fetchone()
        if known is None or known[0] != target:
            merged = True
            conn.execute("INSERT OR REPLACE INTO customer_aliases (alias_id, customer_id) VALUES (?, ?)",
                         (alias, target))
        moved = conn.execute("UPDATE customer_aliases SET customer_id = ? WHERE customer_id = ?", (target, alias))
        merged = merged or moved.rowcount > 0
        for table in ("people", "fiado_accounts", "fiado_balances", "customer_flags"):
            conn.execute(f"DELETE FROM {table} WHERE customer_id = ?", (alias,))
    _upsert_person(conn, target, e.name, e.rut, e.phone, e.address, e.notes, e.active, "", entry.occurred_at,
                   "master")
    _set_account(conn, target, e.fiado_enabled, e.credit_limit, "", entry.occurred_at)
    if e.flags:
        conn.execute("INSERT OR REPLACE INTO customer_flags (customer_id, flags) VALUES (?, ?)",
                     (target, json.dumps(list(e.flags), ensure_ascii=False)))
    else:
        conn.execute("DELETE FROM customer_flags WHERE customer_id = ?", (target,))
    if merged:
        refold_balance(conn, target)


def sale(conn: sqlite3.Connection, entry: envelope.Envelope, e: sales.SaleCompleted) -> None:
    """A sale with a part on credit posts a ``cargo``; a plain sale costs no statement."""
    if e.fiado is not None:
        _post(conn, entry, e, local=True)


def returned(conn: sqlite3.Connection, entry: envelope.Envelope, e: returns.ReturnCompleted) -> None:
    """A return refunding to the account posts a ``devolucion``; any other costs no statement."""
    if any(t.kind == "fiado" for t in e.refunds):
        _post(conn, entry, e, local=True)


def paid(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoPaid) -> None:
    """A payment (abono) posts its entry and is kept for a later reversal."""
    _post(conn, entry, e, local=True)
    conn.execute("INSERT OR IGNORE INTO fiado_payments (payment_id, entry_id, customer_id, kind, amount, received,"
                 " shift_id, cashier_id, at, reversal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
                 (e.payment_id, entry.event_id, e.customer_id, e.kind, e.amount, e.received, e.shift_id,
                  e.cashier_id, fiado_mod.utc_at(entry.occurred_at)))


def payment_reversed(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoPaymentReversed) -> None:
    """A reversal posts its counter-entry and marks the payment reversed (the payment itself is never edited)."""
    _post(conn, entry, e, local=True)
    conn.execute("UPDATE fiado_payments SET reversal_id = ? WHERE payment_id = ? AND reversal_id = ''",
                 (e.reversal_id, e.payment_id))


def entry_received(conn: sqlite3.Connection, entry: envelope.Envelope, e: fiado.FiadoEntryReceived) -> None:
    """An entry made elsewhere, as the master forwarded it (one this till already has is skipped)."""
    _post(conn, entry, e, local=False)


def _mark(conn: sqlite3.Connection) -> tuple[int, int]:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (PULL_MARK,)).fetchone()
    if row is None:
        return (0, 0)
    epoch, _, seq = str(row[0]).partition(":")
    return (int(epoch), int(seq or 0))


def _post(conn: sqlite3.Connection, entry: envelope.Envelope, event: object, *, local: bool) -> None:
    for x in fiado_mod.entries(entry, event):
        at = x.at
        if not local and x.terminal_id == entry.terminal_id and _posted_here(conn, x):
            continue
        added = conn.execute(
            "INSERT INTO fiado_entries (entry_id, customer_id, kind, amount, store_id, terminal_id, document,"
            " reference, at, reverses, counter_account, epoch, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (x.entry_id, x.customer_id, x.kind, x.amount, x.store_id, x.terminal_id, x.document, x.reference, at,
             x.reverses, x.counter_account, entry.epoch if local else 0, entry.seq if local else 0))
        if added.rowcount == 0:
            continue  # an entry of this till forwarded back, or one the master sent twice
        offline = x.amount if local and x.kind == "cargo" and (entry.epoch, entry.seq) > _mark(conn) else 0
        _step_balance(conn, survivor(conn, x.customer_id), x.entry_id, x.kind, x.amount, at, offline)


def _posted_here(conn: sqlite3.Connection, x: fiado_mod.Entry) -> bool:
    """Whether this till posted the fact ``x`` (made at this terminal) under another entry id: an entry a restored
    journal carried into its new epoch was sealed again with a new event id (``SqliteJournal.begin_epoch``), which is
    the id the master knows, while the read models keep the original's."""
    return conn.execute("SELECT 1 FROM fiado_entries WHERE customer_id = ? AND reference = ? AND kind = ?"
                        " AND terminal_id = ? AND epoch > 0 LIMIT 1",
                        (x.customer_id, x.reference, x.kind, x.terminal_id)).fetchone() is not None


def _step_balance(conn: sqlite3.Connection, customer_id: str, entry_id: str, kind: str, amount: int, at: str,
                  offline: int) -> None:
    """Add one new entry to its customer's balance row; the oldest unpaid charge is found again only when the
    entry can move it (not for a charge after every other entry, nor for a credit that settles the account)."""
    row = conn.execute("SELECT balance, oldest_unpaid_at, charged_offline_since_pull, entries, last_at"
                       " FROM fiado_balances WHERE customer_id = ?", (customer_id,)).fetchone()
    before, oldest, charged, count, last_at = row if row else (0, None, 0, 0, "")
    balance = before + amount
    if balance <= 0:
        oldest = None
    elif kind == "cargo" and at > last_at:
        oldest = oldest if before > 0 else at
    else:
        oldest = _oldest_unpaid(conn, ids_of(conn, customer_id), balance)
    conn.execute("INSERT OR REPLACE INTO fiado_balances (customer_id, balance, oldest_unpaid_at,"
                 " charged_offline_since_pull, entries, last_at) VALUES (?, ?, ?, ?, ?, ?)",
                 (customer_id, balance, oldest, charged + offline, count + 1, max(at, last_at)))


def _in(ids: list[str]) -> str:
    return ", ".join("?" * len(ids))


def _oldest_unpaid(conn: sqlite3.Connection, ids: list[str], balance: int) -> str | None:
    """The time of the oldest charge not yet paid: credits (payments and returns, less reversals) pay the charges
    in time order (FIFO); the first charge whose running total passes them is the oldest unpaid. When more was
    reversed than paid in what is known, the excess counts as owed from the first reversal
    (``shared.fiado.fold``)."""
    if balance <= 0:
        return None
    where = f"customer_id IN ({_in(ids)})"
    charged = int(conn.execute(f"SELECT COALESCE(SUM(amount), 0) FROM fiado_entries WHERE {where}"
                               " AND kind = 'cargo'", ids).fetchone()[0])
    if charged < balance:
        first = conn.execute(f"SELECT MIN(at) FROM fiado_entries WHERE {where} AND (kind = 'cargo'"
                             " OR amount > 0)", ids).fetchone()
        return None if first[0] is None else str(first[0])
    row = conn.execute(
        f"WITH c AS (SELECT at, SUM(amount) OVER (ORDER BY at, entry_id ROWS UNBOUNDED PRECEDING) AS run,"
        f" SUM(amount) OVER () AS total FROM fiado_entries WHERE customer_id IN ({_in(ids)}) AND kind = 'cargo')"
        f" SELECT at FROM c WHERE run > total - ? ORDER BY run LIMIT 1", (*ids, balance)).fetchone()
    return None if row is None else str(row[0])


def refold_balance(conn: sqlite3.Connection, customer_id: str) -> None:
    """Fold the balance row of ``customer_id`` from every entry of it and its aliases (after a merge)."""
    ids = ids_of(conn, customer_id)
    balance, count, last_at = conn.execute(
        f"SELECT COALESCE(SUM(amount), 0), COUNT(*), COALESCE(MAX(at), '') FROM fiado_entries"
        f" WHERE customer_id IN ({_in(ids)})", ids).fetchone()
    if count == 0:
        conn.execute("DELETE FROM fiado_balances WHERE customer_id = ?", (customer_id,))
        return
    conn.execute("INSERT OR REPLACE INTO fiado_balances (customer_id, balance, oldest_unpaid_at,"
                 " charged_offline_since_pull, entries, last_at) VALUES (?, ?, ?, ?, ?, ?)",
                 (customer_id, balance, _oldest_unpaid(conn, ids, balance), _charged_offline(conn, ids), count,
                  last_at))


def _charged_offline(conn: sqlite3.Connection, ids: list[str]) -> int:
    epoch, seq = _mark(conn)
    row = conn.execute(
        f"SELECT COALESCE(SUM(amount), 0) FROM fiado_entries WHERE customer_id IN ({_in(ids)}) AND kind = 'cargo'"
        f" AND epoch > 0 AND (epoch > ? OR (epoch = ? AND seq > ?))", (*ids, epoch, epoch, seq)).fetchone()
    return int(row[0])


def pulled(conn: sqlite3.Connection, epoch: int, acked_seq: int, at: str) -> None:
    """The till pulled from the master successfully, having had its journal acknowledged up to ``acked_seq`` of
    ``epoch``: the master knows every charge up to it, so only later ones count as charged offline. Kept in
    ``sync_state`` (a rebuild folds to the same rows). Runs in the caller's transaction."""
    conn.executemany("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
                     " DO UPDATE SET value = excluded.value",
                     [(PULL_MARK, f"{epoch}:{acked_seq}"), (PULLED_AT, at)])
    for (customer_id,) in conn.execute(
            "SELECT customer_id FROM fiado_balances WHERE charged_offline_since_pull <> 0").fetchall():
        conn.execute("UPDATE fiado_balances SET charged_offline_since_pull = ? WHERE customer_id = ?",
                     (_charged_offline(conn, ids_of(conn, customer_id)), customer_id))


def known_entries(conn: sqlite3.Connection, entry_ids: Iterable[str]) -> set[str]:
    """Which of ``entry_ids`` the till's ledger already holds (its own, forwarded back by the master)."""
    wanted = list(dict.fromkeys(entry_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        found.update(str(r[0]) for r in conn.execute(
            f"SELECT entry_id FROM fiado_entries WHERE entry_id IN ({_in(part)})", part))
    return found
