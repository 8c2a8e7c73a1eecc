"""What a scale said: its state, the weight in integer grams, and the one error type of the scale drivers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

_KG_STEP = Decimal("0.001")

_LABELS = {
    "STABLE": "Estable",
    "ZERO": "En cero",
    "UNSTABLE": "Peso inestable: espere",
    "OVERLOAD": "Sobrecarga: retire peso",
    "UNDER_ZERO": "Peso negativo: ponga en cero",
    "NEEDS_ZERO": "Balanza sin cero: retire todo y ponga en cero",
    "NOT_READY": "Balanza sin peso válido: mire su pantalla",
    "NO_ANSWER": "La balanza no responde",
    "OFFLINE": "Balanza desconectada",
    "ERROR": "Error de comunicación con la balanza",
}

_MESSAGES = {
    "NO_ANSWER": "La balanza no responde. Revise que esté encendida y conectada.",
    "OFFLINE": "La balanza no está conectada. Revise el cable y que esté encendida.",
    "ERROR": "La balanza envió datos que no se entienden. Intente de nuevo; si se repite, avise al técnico.",
}


class ScaleState(enum.Enum):
    """What a scale reports about the weight on its pan, or what we could tell when it did not report."""

    STABLE = "stable"
    ZERO = "zero"
    UNSTABLE = "unstable"
    OVERLOAD = "overload"
    UNDER_ZERO = "under_zero"
    NEEDS_ZERO = "needs_zero"
    NOT_READY = "not_ready"
    NO_ANSWER = "no_answer"
    OFFLINE = "offline"
    ERROR = "error"

    @property
    def label(self) -> str:
        """Short Spanish text for the cashier ("Estable", "Peso inestable: espere"…)."""
        return _LABELS[self.name]


@dataclass(frozen=True, slots=True)
class Reading:
    """One answer of a scale.

    Attributes:
        grams: the weight in integer grams (negative only with ``UNDER_ZERO``; 0 when the scale gave none).
        state: what the scale said about that weight.
        raw: the frame exactly as it came off the wire (for the log), ``b""`` when nothing came.
    """

    grams: int
    state: ScaleState
    raw: bytes = b""

    @property
    def kg(self) -> Decimal:
        """The weight in kilograms, a ``Decimal`` with 3 places (``1234`` g → ``Decimal("1.234")``)."""
        return (Decimal(self.grams) / 1000).quantize(_KG_STEP)

    @property
    def sellable(self) -> bool:
        """Whether this weight may go on a sale: only a stable weight above zero."""
        return self.state is ScaleState.STABLE and self.grams > 0

    @property
    def label(self) -> str:
        """What the cashier reads about this reading (the state's label)."""
        return self.state.label

    def minus_tare(self, tare_grams: int) -> Reading:
        """The same reading with a software tare (grams) taken off; the state follows the net weight.

        A stable or zero reading becomes ``STABLE`` (net > 0), ``ZERO`` (net = 0) or ``UNDER_ZERO`` (net < 0);
        other states keep their state, and readings without a weight are returned unchanged.
        """
        if not tare_grams or self.state not in (ScaleState.STABLE, ScaleState.ZERO, ScaleState.UNSTABLE):
            return self
        net = self.grams - tare_grams
        if self.state is ScaleState.UNSTABLE:
            return Reading(net, self.state, self.raw)
        if net > 0:
            return Reading(net, ScaleState.STABLE, self.raw)
        return Reading(net, ScaleState.ZERO if net == 0 else ScaleState.UNDER_ZERO, self.raw)


class ScaleError(Exception):
    """The scale could not be read or commanded; ``str(error)`` is for the cashier.

    Attributes:
        state: the scale's state as far as we know (``OFFLINE``, ``NO_ANSWER``, ``ERROR``…).
        message: Spanish text a cashier understands, saying what to do.
        detail: the technical cause (for the log, not for the screen).
    """

    def __init__(self, state: ScaleState, message: str | None = None, *, detail: str = "") -> None:
        self.state = state
        self.message = message or _MESSAGES.get(state.name, state.label)
        self.detail = detail
        super().__init__(self.message)
