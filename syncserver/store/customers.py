"""The tenant's customers and their fiado as HQ sees and edits them: lists across stores, a customer's account,
entries and statement, the flags the ingest raised; HQ's creations, edits, limits and merges go through the fiado
book (``syncserver.store.fiado.act``), so they reach every till and the rebuild replays them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from shared import clock, rut, text_fold
from shared import errors as shared_errors
from shared import fiado as ledger
from shared.events import fiado as ev
from shared.events import rules
from syncserver.store import db, fiado

LIST_LIMIT: Final = 200
"""Most customers :func:`list_customers` returns (HQ pages narrow with the search)."""


class CustomerError(ValueError):
    """What HQ cannot save or do: ``field`` names the form field ("" for the whole form), ``str(error)`` says why
    in Spanish. Nothing was saved."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One customer of HQ's list: where it was created (``store_id``, ``"hq"`` for HQ), its account (``enabled``,
    ``credit_limit`` CLP), ``balance`` CLP (its aliases' entries included; negative: saldo a favor),
    ``use_pct`` of the limit (None without a limit), ``oldest_unpaid_at`` and ``overdue_days`` (Chile calendar
    days since the oldest unpaid charge; None when nothing is owed), ``open_flags``."""

    customer_id: str
    name: str
    rut: str
    phone: str
    store_id: str
    active: bool
    enabled: bool
    credit_limit: int
    balance: int
    use_pct: int | None
    oldest_unpaid_at: datetime | None
    overdue_days: int | None
    open_flags: int


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A flag of the fiado fold: ``kind`` ``over_limit`` or ``merge_with_balances``, ``detail`` in Spanish, the
    ``terminals`` and ``stores`` involved, when raised and resolved (None: open)."""

    customer_id: str
    customer_name: str
    kind: str
    entry_id: str
    detail: str
    terminals: tuple[str, ...]
    stores: tuple[str, ...]
    raised_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer's page: profile, account, balance, what was merged into it (``aliases``) and its flags."""

    row: CustomerRow
    address: str
    notes: str
    saved_by: str
    saved_at: str
    aliases: tuple[str, ...]
    flags: tuple[FlagRow, ...]


def _today() -> date:
    return datetime.now(UTC).astimezone(ledger.CHILE).date()


def _row(r: Any, today: date) -> CustomerRow:
    limit, balance, oldest = int(r[7]), int(r[8]), r[9]
    overdue = None if oldest is None else max(0, (today - oldest.astimezone(ledger.CHILE).date()).days)
    use = round(100 * balance / limit) if limit > 0 else None
    return CustomerRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), bool(r[5]), bool(r[6]), limit,
                       balance, use, oldest, overdue, int(r[10]))


_SELECT = (
    "SELECT p.customer_id, p.name, p.rut, p.phone, p.store_id, p.active, COALESCE(a.enabled, false),"
    " COALESCE(a.credit_limit, 0), COALESCE(b.balance, 0), b.oldest_unpaid_at,"
    " (SELECT count(*) FROM fiado_flags f WHERE f.tenant_id = p.tenant_id AND f.customer_id = p.customer_id"
    " AND f.resolved_at IS NULL)"
    " FROM people p LEFT JOIN fiado_accounts a ON a.tenant_id = p.tenant_id AND a.customer_id = p.customer_id"
    " LEFT JOIN fiado_balances b ON b.tenant_id = p.tenant_id AND b.customer_id = p.customer_id"
    " WHERE p.tenant_id = %(t)s AND NOT EXISTS (SELECT 1 FROM customer_aliases x WHERE x.tenant_id = p.tenant_id"
    " AND x.alias_id = p.customer_id)")


async def list_customers(conn: db.Conn, tenant_id: int, store: str | None = None, search: str = "",
                         only_with_balance: bool = False, overdue_only: bool = False, *, today: date | None = None,
                         limit: int = LIST_LIMIT) -> list[CustomerRow]:
    """The tenant's customers (merged ones counted in their survivor), by name: of ``store`` only when given
    (created there, or with entries made there), whose name, RUT (with or without dots and dash) or phone digits
    hold every word of ``search``; ``only_with_balance``: balance other than 0; ``overdue_only``: something owed
    (an unpaid charge). ``today`` (Chile) counts the overdue days."""
    sql = _SELECT
    params: dict[str, Any] = {"t": tenant_id, "limit": limit}
    for n, word in enumerate(_words(search)):
        sql += f" AND p.search_text LIKE %(w{n})s"
        params[f"w{n}"] = f"%{word}%"
    if store is not None:
        # the customers with entries made there (an entry of a merged id counts for its survivor), read once
        sql += (" AND (p.store_id = %(store)s OR p.customer_id IN (SELECT COALESCE(x.customer_id, e.customer_id)"
                " FROM fiado_entries e LEFT JOIN customer_aliases x ON x.tenant_id = e.tenant_id"
                " AND x.alias_id = e.customer_id WHERE e.tenant_id = %(t)s AND e.store_id = %(store)s))")
        params["store"] = store
    if only_with_balance:
        sql += " AND COALESCE(b.balance, 0) <> 0"
    if overdue_only:
        sql += " AND b.oldest_unpaid_at IS NOT NULL"
    sql += " ORDER BY lower(p.name), p.customer_id LIMIT %(limit)s"
    rows = await (await conn.execute(sql, params)).fetchall()
    day = today or _today()
    return [_row(r, day) for r in rows]


def _words(search: str) -> list[str]:
    return text_fold.words(search)


async def survivor(conn: db.Conn, tenant_id: int, customer_id: str) -> str:
    """The customer ``customer_id`` counts for (itself unless it was merged into another)."""
    row = await (await conn.execute(
        "SELECT customer_id FROM customer_aliases WHERE tenant_id = %s AND alias_id = %s",
        (tenant_id, customer_id))).fetchone()
    return customer_id if row is None else str(row[0])


async def _group(conn: db.Conn, tenant_id: int, customer_id: str) -> list[str]:
    rows = await (await conn.execute("SELECT alias_id FROM customer_aliases WHERE tenant_id = %s AND customer_id = %s"
                                     " ORDER BY alias_id", (tenant_id, customer_id))).fetchall()
    return [customer_id, *(str(r[0]) for r in rows)]


async def customer(conn: db.Conn, tenant_id: int, customer_id: str, *, today: date | None = None
                   ) -> CustomerView | None:
    """A customer's page (the survivor's when ``customer_id`` was merged into another); None when unknown."""
    target = await survivor(conn, tenant_id, customer_id)
    row = await (await conn.execute(_SELECT + " AND p.customer_id = %(id)s", {"t": tenant_id, "id": target})
                 ).fetchone()
    if row is None:
        return None
    more = await (await conn.execute(
        "SELECT address, notes, saved_by, saved_at FROM people WHERE tenant_id = %s AND customer_id = %s",
        (tenant_id, target))).fetchone()
    assert more is not None
    group = await _group(conn, tenant_id, target)
    return CustomerView(_row(row, today or _today()), str(more[0]), str(more[1]), str(more[2]), str(more[3]),
                        tuple(group[1:]), tuple(await flags(conn, tenant_id, customer_id=target, open_only=False)))


async def flags(conn: db.Conn, tenant_id: int, store: str | None = None, *, customer_id: str | None = None,
                open_only: bool = True) -> list[FlagRow]:
    """The fiado flags for the manager and HQ, newest first: open ones only unless ``open_only`` is false; of
    ``store`` (one of the stores involved) or of ``customer_id`` (and the customers merged into it) when given."""
    sql = ("SELECT f.customer_id, COALESCE(p.name, ''), f.kind, f.entry_id, f.detail, f.terminals, f.stores,"
           " f.raised_at, f.resolved_at FROM fiado_flags f LEFT JOIN people p ON p.tenant_id = f.tenant_id"
           " AND p.customer_id = f.customer_id WHERE f.tenant_id = %(t)s")
    params: dict[str, Any] = {"t": tenant_id}
    if open_only:
        sql += " AND f.resolved_at IS NULL"
    if store is not None:
        sql += " AND %(store)s = ANY(f.stores)"
        params["store"] = store
    if customer_id is not None:  # and what was merged into it
        sql += " AND f.customer_id = ANY(%(c)s)"
        params["c"] = await _group(conn, tenant_id, await survivor(conn, tenant_id, customer_id))
    sql += " ORDER BY f.raised_at DESC, f.entry_id"
    rows = await (await conn.execute(sql, params)).fetchall()
    return [FlagRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), tuple(r[5]), tuple(r[6]), r[7], r[8])
            for r in rows]


def _entry(r: Any) -> ledger.Entry:
    return ledger.Entry(str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]), str(r[6]), str(r[7]),
                        r[8].astimezone(UTC).isoformat(timespec="microseconds"), str(r[9]), str(r[10]))


async def entries(conn: db.Conn, tenant_id: int, customer_id: str, start: date | None = None,
                  end: date | None = None) -> list[ledger.Entry]:
    """The ledger entries of a customer (and of what was merged into it), in ledger order (time, then id), made
    from ``start`` to ``end`` (Chile calendar days, both included; None: no bound), at every store."""
    group = await _group(conn, tenant_id, await survivor(conn, tenant_id, customer_id))
    sql = ("SELECT entry_id, customer_id, kind, amount, store_id, terminal_id, document, reference, at, reverses,"
           " counter_account FROM fiado_entries WHERE tenant_id = %(t)s AND customer_id = ANY(%(ids)s)")
    params: dict[str, Any] = {"t": tenant_id, "ids": group}
    if start is not None:
        sql += " AND at >= %(start)s"
        params["start"] = datetime.combine(start, time(), ledger.CHILE)
    if end is not None:
        sql += " AND at < %(end)s"
        params["end"] = datetime.combine(end + timedelta(days=1), time(), ledger.CHILE)
    sql += " ORDER BY at, entry_id"
    return [_entry(r) for r in await (await conn.execute(sql, params)).fetchall()]


async def statement(conn: db.Conn, tenant_id: int, customer_id: str, start: date, end: date) -> ledger.Statement:
    """The customer's estado de cuenta from ``start`` to ``end`` (``shared.fiado.statement``: opening balance, each
    movement with its running balance, closing balance) over every store's entries.

    Raises:
        CustomerError: ``start`` after ``end``.
    """
    if start > end:
        raise CustomerError("start", f"la fecha inicial ({start:%d-%m-%Y}) es posterior a la final"
                                     f" ({end:%d-%m-%Y})")
    return ledger.statement(await entries(conn, tenant_id, customer_id, None, end), start, end)


def _compact_rut(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        parsed = rut.parse(value)
    except shared_errors.InvalidRut:
        raise CustomerError("rut", f"el RUT {value} no es válido: revise los números y el dígito verificador"
                            ) from None
    return f"{parsed.body}-{parsed.dv}"


async def save_customer(conn: db.Conn, tenant_id: int, *, name: str, rut_text: str = "", phone: str = "",
                        address: str = "", notes: str = "", active: bool = True, by: str,
                        customer_id: str | None = None, at: datetime | None = None) -> str:
    """Create (``customer_id`` None: a new UUIDv7) or edit a customer at HQ, in the caller's transaction; every
    till of the tenant receives it (feed ``customer``). A RUT another customer has merges the two as at the
    ingest (the one the master saw first survives). Returns the customer's id (the survivor's after a merge).

    Raises:
        CustomerError: a missing name, a RUT that is not valid, a text too long, an unknown ``customer_id``.
    """
    single = {k: " ".join(v.split()) for k, v in (("name", name), ("phone", phone), ("address", address))}
    compact = _compact_rut(rut_text)
    if customer_id is not None:
        target = await survivor(conn, tenant_id, customer_id)
        known = await (await conn.execute("SELECT 1 FROM people WHERE tenant_id = %s AND customer_id = %s",
                                          (tenant_id, target))).fetchone()
        if known is None:
            raise CustomerError("", "el cliente no existe en esta empresa")
    else:
        target = clock.new_uuid7()
    event = ev.CustomerProfileSaved(target, single["name"], compact, single["phone"], single["address"],
                                    notes.strip(), by or "hq", bool(active))
    reason = rules.problem(event)
    if reason is not None:
        field = next((f for f in ("name", "rut", "phone", "address", "notes") if f in reason), "")
        raise CustomerError(field, reason)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    action = {"kind": "profile", "customer_id": target, "name": event.name, "rut": compact, "phone": event.phone,
              "address": event.address, "notes": event.notes, "active": event.active, "by": by, "at": when}
    book = await fiado.act(conn, tenant_id, action, ruts=[compact] if compact else ())
    return book.survivor(target)


async def set_limit(conn: db.Conn, tenant_id: int, customer_id: str, *, enabled: bool, credit_limit: int, by: str,
                    at: datetime | None = None) -> None:
    """Enable (or disable) fiado for a customer with ``credit_limit`` CLP, at HQ; every till receives it.

    Raises:
        CustomerError: an unknown customer, a limit that is not a whole number of pesos ≥ 0, a limit of $0 with
            fiado enabled.
    """
    target = await survivor(conn, tenant_id, customer_id)
    known = await (await conn.execute("SELECT 1 FROM people WHERE tenant_id = %s AND customer_id = %s",
                                      (tenant_id, target))).fetchone()
    if known is None:
        raise CustomerError("", "el cliente no existe en esta empresa")
    reason = rules.problem(ev.FiadoAccountSet(target, bool(enabled), credit_limit, by or "hq"))
    if reason is not None:
        raise CustomerError("credit_limit", reason)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    await fiado.act(conn, tenant_id, {"kind": "account", "customer_id": target, "enabled": bool(enabled),
                                      "credit_limit": credit_limit, "by": by, "at": when}, ids=[target])


async def merge(conn: db.Conn, tenant_id: int, keep: str, drop: str, *, by: str, at: datetime | None = None) -> None:
    """Merge customer ``drop`` into ``keep`` at HQ (the same person twice): ``drop``'s entries count for ``keep``,
    both histories kept, every till receives the merged customer.

    Raises:
        CustomerError: the same customer twice, an unknown customer, or both with an open balance (settle or move
            one first: a merge must not hide a debt).
    """
    await fiado.lock(conn, tenant_id)
    keep_id, drop_id = await survivor(conn, tenant_id, keep), await survivor(conn, tenant_id, drop)
    if keep_id == drop_id:
        raise CustomerError("", "son el mismo cliente: no hay nada que unir")
    rows = await (await conn.execute(
        "SELECT p.customer_id, p.name, COALESCE(b.balance, 0) FROM people p LEFT JOIN fiado_balances b"
        " ON b.tenant_id = p.tenant_id AND b.customer_id = p.customer_id WHERE p.tenant_id = %s"
        " AND p.customer_id = ANY(%s)", (tenant_id, [keep_id, drop_id]))).fetchall()
    found = {str(r[0]): (str(r[1]), int(r[2])) for r in rows}
    if keep_id not in found or drop_id not in found:
        raise CustomerError("", "uno de los clientes no existe en esta empresa")
    (keep_name, keep_balance), (drop_name, drop_balance) = found[keep_id], found[drop_id]
    if keep_balance != 0 and drop_balance != 0:
        raise CustomerError("", f"«{keep_name}» y «{drop_name}» tienen saldo abierto ({_pesos(keep_balance)} y"
                                f" {_pesos(drop_balance)}): no se unen dos cuentas con saldo. Deje una en $0"
                                " (abono o reversa) y vuelva a unirlos")
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    await fiado.act(conn, tenant_id, {"kind": "merge", "keep": keep_id, "drop": drop_id, "by": by, "at": when},
                    ids=[keep_id, drop_id])


def _pesos(amount: int) -> str:
    return ("-" if amount < 0 else "") + "$" + f"{abs(amount):,}".replace(",", ".")


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """A store's fiado settings as its manager last set them at a till (``FiadoSettingsSet``): the most a till
    charges one customer while offline (CLP), the overpayment policy (``credit`` or ``refuse``), who and when."""

    store_id: str
    offline_allowance: int
    overpayment: str
    set_by: str
    set_at: str


async def store_settings(conn: db.Conn, tenant_id: int) -> list[StoreSettings]:
    """Each store's fiado settings (stores whose manager never set them are absent: the till's defaults apply)."""
    rows = await (await conn.execute(
        "SELECT store_id, offline_allowance, overpayment, set_by, set_at FROM fiado_settings WHERE tenant_id = %s"
        " ORDER BY store_id", (tenant_id,))).fetchall()
    return [StoreSettings(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]
