"""Users, PINs and supervisor authorisations at the till; every decision is journaled.

PINs are hashed with argon2id (argon2-cffi, RFC 9106). After ``max_failures`` wrong PINs in a row a user is
locked out for ``lockout`` and the terminal says until when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2 import exceptions as argon2_errors

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from shared import errors, roles
from shared.events import auth as auth_events


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name: str
    role: roles.Role


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 8


class AuthService:
    """Sign-in with PIN, lock-out after repeated failures, and supervisor authorisations."""

    def __init__(self, journal: SqliteJournal, hasher: PasswordHasher | None = None, *, max_failures: int = 5,
                 lockout: timedelta = timedelta(minutes=5)) -> None:
        self.journal = journal
        self.hasher = hasher or PasswordHasher()
        self.max_failures = max_failures
        self.lockout = lockout

    def enroll(self, user_id: str, name: str, role: roles.Role, pin: str) -> User:
        """Create or update a user. Raises: InvalidInput for a PIN that is not 4 to 8 digits."""
        if not valid_pin(pin):
            raise errors.InvalidInput("el PIN debe tener entre 4 y 8 dígitos")
        self.journal.append(auth_events.UserEnrolled(user_id, name, role.value, self.hasher.hash(pin)))
        return User(user_id, name, role)

    def users(self) -> list[User]:
        return [User(uid, name, roles.Role(role)) for uid, name, role in read_models.users(self.journal.conn)]

    def sign_in(self, user_id: str, pin: str) -> User:
        """Check a user's PIN.

        Raises:
            LockedOut: too many failures; ``until`` is an ISO time.
            WrongPin: the PIN does not match (the failure is journaled; ``failures`` counts them).
            UnknownProduct is never raised here; an unknown user raises WrongPin with 0 failures.
        """
        record = read_models.user(self.journal.conn, user_id)
        if record is None or not record[3]:
            raise errors.WrongPin(user_id, 0)
        name, role, pin_hash, _active = record
        self._check_lock(user_id)
        if not self._matches(pin_hash, pin):
            self._reject(user_id)
        self.journal.append(auth_events.SignedIn(user_id))
        return User(user_id, name, roles.Role(role))

    def authorise(self, pin: str, action: roles.Action, cashier_id: str, reason: str, *, sale_id: str = "",
                  shift_id: str = "", detail: str = "") -> tuple[User, auth_events.Authorised]:
        """Find the supervisor whose PIN this is and build the ``Authorised`` event (the caller journals it).

        Raises:
            LockedOut: too many wrong supervisor PINs at this terminal.
            WrongPin: no supervisor or administrator has this PIN (journaled).
            InvalidInput: no reason given.
        """
        if not reason.strip():
            raise errors.InvalidInput("indique el motivo")
        key = "supervisor-pin"
        self._check_lock(key)
        for user_id, name, role in read_models.users(self.journal.conn):
            record = read_models.user(self.journal.conn, user_id)
            if record is None or not roles.can_authorise(roles.Role(role), action):
                continue
            if self._matches(record[2], pin):
                event = auth_events.Authorised(action.value, user_id, cashier_id, reason.strip(), sale_id,
                                               detail, shift_id)
                return User(user_id, name, roles.Role(role)), event
        self._reject(key)
        raise AssertionError("unreachable")

    def administrator(self, pin: str) -> User:
        """The administrator whose PIN this is (the device page and other set-up screens).

        Raises:
            LockedOut: too many wrong administrator PINs at this terminal.
            WrongPin: no active administrator has this PIN (journaled, like a supervisor's).
        """
        key = "admin-pin"
        self._check_lock(key)
        for user_id, name, role in read_models.users(self.journal.conn):
            record = read_models.user(self.journal.conn, user_id)
            if record is None or roles.Role(role) is not roles.Role.ADMIN or not record[3]:
                continue
            if self._matches(record[2], pin):
                return User(user_id, name, roles.Role.ADMIN)
        self._reject(key)
        raise AssertionError("unreachable")

    def _matches(self, pin_hash: str, pin: str) -> bool:
        try:
            return bool(self.hasher.verify(pin_hash, pin))
        except (argon2_errors.VerifyMismatchError, argon2_errors.InvalidHashError):
            return False

    def _check_lock(self, user_id: str) -> None:
        _failures, until = read_models.pin_failures(self.journal.conn, user_id)
        if until and datetime.fromisoformat(until) > self.journal.clock():
            raise errors.LockedOut(user_id, until)

    def _reject(self, user_id: str) -> None:
        failures, until = read_models.pin_failures(self.journal.conn, user_id)
        if until and datetime.fromisoformat(until) <= self.journal.clock():
            failures = 0
        failures += 1
        locked_until = ""
        if failures >= self.max_failures:
            locked_until = (self.journal.clock() + self.lockout).isoformat(timespec="seconds")
        self.journal.append(auth_events.PinRejected(user_id, failures, locked_until))
        if locked_until:
            raise errors.LockedOut(user_id, locked_until)
        raise errors.WrongPin(user_id, failures)
