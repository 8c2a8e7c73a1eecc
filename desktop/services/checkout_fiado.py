"""Fiado at the checkout: whether a sale's customer may take its fiado part on credit (``shared.fiado.decide_charge``
on the balance this till knows), and the supervisor's approval of a charge beyond the limit. docs/fiado.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop.journal import fiado_queries
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services.auth import AuthService, User
from shared import errors, fiado, money, roles
from shared.events import auth as auth_events
from shared.events import fiado as fiado_events

OFFLINE_AFTER = timedelta(minutes=10)
"""A till that has not pulled from the master for this long decides fiado as offline (docs/fiado.md)."""
OVER_LIMIT_REASON = "Fiado sobre el límite"
"""The reason journaled with the supervisor's PIN when the cashier typed none."""


class FiadoUnavailable(errors.FiadoError):
    """The sale cannot put anything on credit: no customer attached, an unknown one, or one without fiado."""

    def __init__(self, message: str, customer_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.customer_id = customer_id


@dataclass(frozen=True, slots=True)
class Approval:
    """A supervisor's PIN for one sale's fiado over the limit, waiting for ``complete`` to journal it: for that sale
    (``sale_id``) and its customer, while its total is still ``total`` (CLP; a cart changed since needs it again)."""

    sale_id: str
    customer_id: str
    total: int
    supervisor: User
    event: auth_events.Authorised

    def covers(self, sale_id: str, customer_id: str, total: int, supervisor_id: str) -> bool:
        """Whether this approval is the one for that sale, customer, total and supervisor."""
        return (self.sale_id, self.customer_id, self.total, self.supervisor.user_id) == (
            sale_id, customer_id, total, supervisor_id)


@dataclass(frozen=True, slots=True)
class Attached:
    """The customer attached to a sale as the sale screen shows it: ``name``, whether fiado is enabled, the
    ``limit``, the ``balance`` this till knows and the ``headroom`` left within the limit (CLP); ``flagged``: the
    master has open flags on them (``fiado_queries.flags``; the texts are in the back office's Clientes)."""

    customer_id: str
    name: str
    fiado_enabled: bool
    limit: int
    balance: int
    headroom: int
    flagged: bool = False


def attached(journal: SqliteJournal, customer_id: str) -> Attached | None:
    """What the sale screen shows of ``customer_id``; None when no customer is attached or it is unknown here."""
    if not customer_id:
        return None
    found = fiado_queries.customer(journal.conn, customer_id)
    if found is None:
        return None
    account = fiado_queries.account(journal.conn, customer_id)
    return Attached(found.customer_id, found.name, account.enabled, account.limit, account.balance, account.headroom,
                    bool(fiado_queries.flags(journal.conn, found.customer_id)))


def offline(journal: SqliteJournal, now: datetime | None = None) -> bool:
    """Whether the till decides fiado as offline: no successful pull from the master in the last
    :data:`OFFLINE_AFTER` (or never)."""
    pulled = fiado_queries.last_pull(journal.conn)
    if not pulled:
        return True
    try:
        at = datetime.fromisoformat(pulled)
    except ValueError:
        return True
    now = now or journal.clock()
    if (at.tzinfo is None) != (now.tzinfo is None):
        at, now = at.replace(tzinfo=None), now.replace(tzinfo=None)
    return now - at > OFFLINE_AFTER


def known(journal: SqliteJournal, customer_id: str) -> fiado_queries.Customer:
    """``customer_id`` as this till knows it (the survivor when it was merged into another at the master).

    Raises: FiadoUnavailable for an unknown customer."""
    found = fiado_queries.customer(journal.conn, customer_id)
    if found is None:
        raise FiadoUnavailable("ese cliente no está registrado en esta caja", customer_id)
    return found


def charge(journal: SqliteJournal, customer_id: str, amount: int, *, is_offline: bool,
           approved: Approval | None) -> fiado_events.FiadoCharge:
    """The ``FiadoCharge`` of ``amount`` CLP on ``customer_id``'s account, decided with what this till knows.

    Raises:
        FiadoUnavailable: no customer, an unknown one, or one without fiado enabled.
        FiadoOverLimit: beyond the limit (or the offline allowance) and no supervisor approved it (``shared.errors``;
            ``needs_supervisor`` True, ``headroom`` what may go on credit without one).
    """
    if not customer_id:
        raise FiadoUnavailable("para vender al fiado, elija primero el cliente")
    name = known(journal, customer_id).name
    account = fiado_queries.account(journal.conn, customer_id)
    if not account.enabled:
        raise FiadoUnavailable(f"{name} no tiene fiado habilitado: pídalo al administrador o cobre de otra forma",
                               customer_id)
    settings = fiado_queries.settings(journal.conn)
    decision = fiado.decide_charge(account.balance, account.limit, amount, offline=is_offline,
                                   allowance=settings.offline_allowance, charged_offline=account.charged_offline)
    approved_by = ""
    if not decision.ok:
        if approved is None:
            raise errors.FiadoOverLimit(decision.reason_es, needs_supervisor=True, headroom=decision.headroom)
        approved_by = approved.supervisor.user_id
    return fiado_events.FiadoCharge(amount=amount, balance_before=account.balance, credit_limit=account.limit,
                                    approved_by=approved_by)


def approve(auth: AuthService, pin: str, *, sale_id: str, total: int, cashier_id: str, shift_id: str,
            customer_id: str, customer: str, reason: str = "") -> Approval:
    """A supervisor's PIN for the fiado of sale ``sale_id`` beyond the limit; the ``auth.authorised`` event (action
    ``fiado_over_limit``) is journaled with the sale.

    Raises: WrongPin (journaled), LockedOut.
    """
    user, event = auth.authorise(pin, roles.Action.FIADO_OVER_LIMIT, cashier_id, reason.strip() or OVER_LIMIT_REASON,
                                 sale_id=sale_id, shift_id=shift_id, detail=f"cliente {customer}")
    return Approval(sale_id, customer_id, total, user, event)


def detail(event: auth_events.Authorised, charge_: fiado_events.FiadoCharge) -> auth_events.Authorised:
    """The authorisation with what it let pass: ``cliente X: saldo $a + $b sobre límite $c``."""
    clp = money.format_clp
    text = (f"{event.detail}: saldo {clp(charge_.balance_before)} + {clp(charge_.amount)} "
            f"sobre límite {clp(charge_.credit_limit)}")
    return auth_events.Authorised(event.action, event.supervisor_id, event.cashier_id, event.reason,
                                  event.sale_id, text, event.shift_id)
