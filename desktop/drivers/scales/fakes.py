"""An in-memory scale for tests, demo mode and development without hardware."""

from __future__ import annotations

from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState


class FakeScale:
    """A ``Scale`` whose answers the test (or the demo) sets.

    ``set_weight(grams, state)`` fixes what every ``read()`` returns; ``queue(...)`` lines up readings returned
    once each before that; ``fail_next(n, state)`` makes the next ``n`` reads raise ``ScaleError``. ``zero()`` and
    ``tare()`` are recorded in ``commands`` and act like a real scale's buttons.
    """

    def __init__(self, grams: int = 0, state: ScaleState | None = None) -> None:
        self.reading = Reading(grams, state or (ScaleState.STABLE if grams > 0 else ScaleState.ZERO))
        self.tare_grams = 0
        self.commands: list[str] = []
        self.reads = 0
        self.closed = False
        self._queued: list[Reading] = []
        self._failures: list[ScaleError] = []

    def set_weight(self, grams: int, state: ScaleState = ScaleState.STABLE) -> None:
        """Put ``grams`` (int) on the pan in ``state``; a stable 0 g reads as ``ZERO``."""
        if state is ScaleState.STABLE and grams == 0:
            state = ScaleState.ZERO
        self.reading = Reading(grams, state)

    def queue(self, *readings: Reading) -> None:
        """Return these readings, in order, before going back to the set weight."""
        self._queued.extend(readings)

    def fail_next(self, n: int = 1, state: ScaleState = ScaleState.OFFLINE, message: str | None = None) -> None:
        """Make the next ``n`` reads raise ``ScaleError(state, message)``."""
        self._failures.extend(ScaleError(state, message, detail="fallo simulado") for _ in range(n))

    def read(self) -> Reading:
        """The next queued reading, or the set weight minus the tare.

        Raises:
            ScaleError: a failure queued by ``fail_next``, or the scale was closed.
        """
        if self.closed:
            raise ScaleError(ScaleState.OFFLINE, "La balanza está cerrada.", detail="closed")
        self.reads += 1
        if self._failures:
            raise self._failures.pop(0)
        if self._queued:
            return self._queued.pop(0)
        return self.reading.minus_tare(self.tare_grams)

    def zero(self) -> None:
        """Zero the pan: the current weight reads 0 g from now on."""
        self.commands.append("zero")
        self.reading, self.tare_grams = Reading(0, ScaleState.ZERO), 0

    def tare(self) -> None:
        """Tare what is on the pan (a stable weight), so it reads 0 g."""
        self.commands.append("tare")
        if self.reading.state is ScaleState.STABLE:
            self.tare_grams = self.reading.grams

    def close(self) -> None:
        self.closed = True
