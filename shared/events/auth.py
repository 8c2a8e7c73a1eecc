"""Events of the security stream: users and PINs, supervisor authorisations, drawer openings, lock-outs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class UserEnrolled:
    """A user of the terminal. ``pin_hash`` is an argon2id PHC string, never the PIN."""

    TYPE: ClassVar[str] = "user.enrolled"
    VERSION: ClassVar[int] = 1

    user_id: str
    name: str
    role: str
    pin_hash: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class Authorised:
    """A supervisor's PIN allowed ``action`` (``void_line``, ``discount``, ``open_drawer``...) for a cashier."""

    TYPE: ClassVar[str] = "auth.authorised"
    VERSION: ClassVar[int] = 1

    action: str
    supervisor_id: str
    cashier_id: str
    reason: str
    sale_id: str = ""
    detail: str = ""
    shift_id: str = ""


@dataclass(frozen=True, slots=True)
class PinRejected:
    """A wrong PIN; ``locked_until`` is set (ISO 8601) when it triggered a lock-out."""

    TYPE: ClassVar[str] = "auth.pin_rejected"
    VERSION: ClassVar[int] = 1

    user_id: str
    failures: int
    locked_until: str = ""


@dataclass(frozen=True, slots=True)
class DrawerOpened:
    """The cash drawer opened without a sale (``reason``), authorised by a supervisor."""

    TYPE: ClassVar[str] = "drawer.opened"
    VERSION: ClassVar[int] = 1

    user_id: str
    authorised_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A user signed in at the terminal with a correct PIN (clears earlier failures)."""

    TYPE: ClassVar[str] = "auth.signed_in"
    VERSION: ClassVar[int] = 1

    user_id: str
