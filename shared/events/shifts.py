"""Events of the shift stream: opening float, cash in and out, and the close with its blind count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ShiftOpened:
    TYPE: ClassVar[str] = "shift.opened"
    VERSION: ClassVar[int] = 1

    shift_id: str
    number: int
    cashier_id: str
    opening_float: int


@dataclass(frozen=True, slots=True)
class CashMoved:
    """Cash put into (``direction == "in"``) or taken out of (``"out"``) the drawer, with its reason."""

    TYPE: ClassVar[str] = "shift.cash_moved"
    VERSION: ClassVar[int] = 1

    shift_id: str
    direction: str
    amount: int
    reason: str
    user_id: str


@dataclass(frozen=True, slots=True)
class TenderCount:
    kind: str
    amount: int


@dataclass(frozen=True, slots=True)
class ShiftClosed:
    """The close: what the cashier counted blind, and what the journal expected, per tender."""

    TYPE: ClassVar[str] = "shift.closed"
    VERSION: ClassVar[int] = 1

    shift_id: str
    closed_by: str
    counted: tuple[TenderCount, ...]
    expected: tuple[TenderCount, ...]
