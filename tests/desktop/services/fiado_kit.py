"""Customers with fiado on a real till journal, for the checkout, returns and suspend tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.journal import fiado_projection
from shared.events import fiado as fiado_events

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
JUANA = "0190a1b2-0000-7000-8000-00000000a001"
PEDRO = "0190a1b2-0000-7000-8000-00000000a002"
SUPERVISOR_PIN = "9999"


def caf(term: Any, tipo: int) -> None:
    """Load the sample CAF of ``tipo`` (folios 1 to 20) at the till."""
    term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def customer(term: Any, customer_id: str = JUANA, name: str = "Juana Soto", *, limit: int | None = 20_000) -> str:
    """A customer saved at the till, with fiado enabled up to ``limit`` (None: no fiado account)."""
    term.journal.append(fiado_events.CustomerProfileSaved(customer_id, name, "", "", "", "", "rosa"))
    if limit is not None:
        term.journal.append(fiado_events.FiadoAccountSet(customer_id, True, limit, "rosa"))
    return customer_id


def settings(term: Any, allowance: int, overpayment: str = "credit") -> None:
    term.journal.append(fiado_events.FiadoSettingsSet(allowance, overpayment, "rosa"))


def online(term: Any) -> None:
    """The till pulled from the master just now, which holds its journal so far (fiado is decided as online)."""
    with term.journal.unit_of_work() as uow:
        fiado_projection.pulled(uow.conn, term.journal.identity.epoch, term.journal.head[0],
                                term.journal.clock().isoformat(timespec="seconds"))


def events(term: Any, type_: str) -> list[Any]:
    return [term.journal.codec.decode(e.type, e.version, e.payload) for e in term.journal.read(1) if e.type == type_]
