"""The stand-in's Registro de Reclamos: the supplier documents the SII received for a buyer, and the buyer's
answers under the SII's rules (Ley 19.983 art. 3 and 4 as amended by Ley 20.956; WS v1.2 answer codes).

Rules: an answer is taken for 33, 34 and 43 only, and only until the 8th calendar day after the SII's reception
(Chile dates: received on the 1st, the 9th is the last day; the 10th is refused with code 8, the document then
counting as accepted); an accepted document (ACD) cannot be claimed (11); a claimed one cannot be accepted (12) nor
its goods acknowledged (6); a document whose goods were acknowledged (ERM) cannot be claimed (13); a second claim is
refused (5) and the same event twice is refused (7). The stand-in does not check that the token's holder acts for
the receptor (the real SII answers 17 when not): it knows no person's powers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from syncserver.sii.ws import reclamos as wire

CHILE: Final = ZoneInfo("America/Santiago")
WINDOW_DAYS: Final = 8


@dataclass
class Received:
    """A supplier's document the SII received (``at``, aware) for ``receptor``, and the events registered on it."""

    receptor: str
    at: datetime
    events: list[wire.Event] = field(default_factory=list)


def last_day(received: datetime) -> date:
    """The last Chile date an answer is taken: the reception's date plus :data:`WINDOW_DAYS`."""
    return received.astimezone(CHILE).date() + timedelta(days=WINDOW_DAYS)


@dataclass
class Registro:
    """What the SII's register knows: documents by ``(issuer, tipo, folio)`` (RUTs compact, ``12345678-5``)."""

    documents: dict[tuple[str, int, int], Received] = field(default_factory=dict)

    def receive(self, issuer: str, tipo: int, folio: int, receptor: str, at: datetime) -> None:
        """The SII received the supplier's document at ``at`` (tests and the demo: a supplier's upload)."""
        self.documents.setdefault((issuer, tipo, folio), Received(receptor, at))

    def reception(self, issuer: str, tipo: int, folio: int) -> datetime | None:
        known = self.documents.get((issuer, tipo, folio))
        return None if known is None else known.at

    def history(self, issuer: str, tipo: int, folio: int) -> wire.Answer:
        """listarEventosHistDoc's answer."""
        known = self.documents.get((issuer, tipo, folio))
        if known is None:
            return wire.Answer(18, wire.CODES[18])
        if not known.events:
            return wire.Answer(wire.NO_EVENTS, wire.CODES[wire.NO_EVENTS])
        return wire.Answer(wire.EVENTS_LISTED, wire.CODES[wire.EVENTS_LISTED], tuple(known.events))

    def act(self, issuer: str, tipo: int, folio: int, action: str, who: str, now: datetime) -> wire.Answer:
        """ingresarAceptacionReclamoDoc's answer, the event kept when it is code 0 (see the module doc)."""
        if action not in wire.ACTIONS:
            return self._no(4)
        if tipo not in wire.ANSWERABLE_TIPOS:
            return self._no(3)
        known = self.documents.get((issuer, tipo, folio))
        if known is None:
            return self._no(18)
        if now.astimezone(CHILE).date() > last_day(known.at):
            return self._no(8)
        done = {e.code for e in known.events}
        claimed = done & wire.CLAIMS
        if action in done:
            return self._no(7)
        if action in wire.CLAIMS:
            if claimed:
                return self._no(5)
            if "ACD" in done:
                return self._no(11)
            if "ERM" in done:
                return self._no(13)
        elif claimed:
            return self._no(12 if action == "ACD" else 6)
        known.events.append(wire.Event(action, wire.ACTIONS[action], who, wire.stamp(now)))
        return wire.Answer(wire.OK, wire.CODES[wire.OK])

    @staticmethod
    def _no(code: int) -> wire.Answer:
        return wire.Answer(code, wire.CODES[code])
