"""The buyer's window to answer a supplier's factura (Ley 19.983 art. 3 and 4, as amended by Ley 20.956): the
deadline, and where a document stands from the SII's reception and the answers the SII took. Pure: the master
(HQ «Compras», the dashboard's alert) and the till's back office read the same rule; docs/supplier-answers.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

WINDOW_DAYS: Final = 8
"""The buyer may claim within the 8 calendar days that follow the SII's reception; after that the document counts
as accepted. The last day is the reception's Chile date plus 8."""
ALERT_DAYS: Final = 2
"""A pending document is an alert when this many days or fewer remain (0: today is the last)."""
ANSWERABLE_TIPOS: Final = frozenset({33, 34, 43})
"""The documents the SII's Registro de Reclamos takes: factura, factura exenta, liquidación-factura."""
CLAIMS: Final = frozenset({"RCD", "RFP", "RFT"})
ACTION_LABELS: Final = {
    "ACD": "Aceptar el contenido",
    "ERM": "Dar recibo de mercaderías",
    "RCD": "Reclamar el contenido",
    "RFP": "Reclamar falta parcial de mercaderías",
    "RFT": "Reclamar falta total de mercaderías",
}
"""The answers (the SII's ``accionDoc``), as HQ offers them."""
STATE_LABELS: Final = {
    "pendiente": "Por responder",
    "aceptado": "Aceptado",
    "recibo": "Recibo de mercaderías otorgado",
    "reclamado": "Reclamado",
    "vencido": "Aceptado (plazo vencido)",
    "no_aplica": "No se responde",
}


def deadline(received: date) -> date:
    """The last day to answer a document the SII received on ``received`` (a Chile date)."""
    return received + timedelta(days=WINDOW_DAYS)


@dataclass(frozen=True, slots=True)
class Window:
    """Where a document stands on a day: ``state`` (:data:`STATE_LABELS`), ``deadline`` (None when the document is
    not answered: :data:`ANSWERABLE_TIPOS`), ``estimated`` when it counts from the fecha de emisión because the
    SII's reception is not known yet (a document reaches the SII after it is issued, so the estimate is never
    later than the real deadline), ``days_left`` (0: today is the last day; negative once past)."""

    state: str
    deadline: date | None
    estimated: bool
    days_left: int | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def open(self) -> bool:
        """Whether an answer may still be sent (the SII decides; this is what HQ offers)."""
        return self.state == "pendiente"

    @property
    def urgent(self) -> bool:
        """Open with :data:`ALERT_DAYS` days or fewer left."""
        return self.open and self.days_left is not None and self.days_left <= ALERT_DAYS


def window(tipo: int, fecha_emision: date, received: date | None, taken: Collection[str], today: date) -> Window:
    """A document's :class:`Window` on ``today`` (Chile date) from the SII's reception date (None: not known) and
    the answers the SII took (``taken``: ACD, ERM, RCD, RFP, RFT)."""
    if tipo not in ANSWERABLE_TIPOS:
        return Window("no_aplica", None, False, None)
    last_day = deadline(fecha_emision if received is None else received)
    done = set(taken)
    if done & CLAIMS:
        state = "reclamado"
    elif "ACD" in done:
        state = "aceptado"
    elif "ERM" in done:
        state = "recibo"
    elif today > last_day:
        state = "vencido"
    else:
        state = "pendiente"
    return Window(state, last_day, received is None, (last_day - today).days)
