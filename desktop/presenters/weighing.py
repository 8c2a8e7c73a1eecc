"""The live weight of a weighed product: a scale poller thread (~5 Hz) and the presenter of the weighing panel.

Plain Python (no Qt). The poller calls the scale off the GUI thread and hands each result to ``deliver``; in the
Qt app that is a queued signal that calls ``WeighingPresenter.update`` on the GUI thread; tests call ``update``
or ``poll_once`` directly. Only a stable weight above zero can be accepted: an unstable, overloaded, negative or
silent reading never reaches a sale.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop.drivers.scales import Reading, Scale, ScaleError, ScaleState
from desktop.drivers.scales.config import supports
from shared import money

POLL_INTERVAL = 0.2  # seconds between readings: 5 per second
_OK = {ScaleState.STABLE}
_WAIT = {ScaleState.ZERO, ScaleState.UNSTABLE}


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """A zero or tare the scale refused (the reading itself may be fine)."""

    error: ScaleError


Result = Reading | ScaleError | CommandFailed


@dataclass(frozen=True, slots=True)
class WeighView:
    """What the weighing panel shows. ``level``: ``ok`` (green), ``wait`` (amber) or ``error`` (red)."""

    product: str = ""
    unit_price: str = ""
    weight: str = "—"
    price: str = ""
    state: str = "Leyendo la balanza…"
    level: str = "wait"
    can_accept: bool = False
    can_zero: bool = True
    tare: str = ""
    message: str = ""


class ScalePoller:
    """Reads ``scale`` every ``interval`` seconds in a daemon thread and passes each ``Result`` to ``deliver``.

    ``command(fn)`` runs ``fn`` (a zero or tare) on the same thread before the next reading, so the serial port
    is only ever used by this thread and a slow scale never blocks the caller.
    """

    def __init__(self, scale: Scale, deliver: Callable[[Result], None], *, interval: float = POLL_INTERVAL) -> None:
        self.scale = scale
        self.deliver = deliver
        self.interval = interval
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="almacen-scale", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the reading in progress (does not wait for it: a silent scale may take its timeout)."""
        self._stop.set()

    def join(self, timeout: float = 2.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def command(self, action: Callable[[], None]) -> None:
        self._commands.put(action)

    def _run(self) -> None:
        while not self._stop.is_set():
            while not self._commands.empty():
                try:
                    self._commands.get_nowait()()
                except ScaleError as error:
                    self._send(CommandFailed(error))
            try:
                result: Result = self.scale.read()
            except ScaleError as error:
                result = error
            except Exception as error:  # a driver bug must not end the live weight silently
                result = ScaleError(ScaleState.ERROR, detail=f"{type(error).__name__}: {error}")
            self._send(result)
            self._stop.wait(self.interval)

    def _send(self, result: Result) -> None:
        if not self._stop.is_set():
            self.deliver(result)


class WeighingPresenter:
    """The live weight and price of one weighed product (or a bare readout on the device page).

    Args:
        scale: the terminal's scale.
        product: the product's name ("" on the device page).
        unit_price: its price per kg in pesos (``None``: show no price).
        on_change: receives a new ``WeighView`` after each reading or intent.
    """

    def __init__(self, scale: Scale, product: str = "", unit_price: money.Pesos | None = None,
                 on_change: Callable[[WeighView], None] = lambda v: None) -> None:
        self.scale = scale
        self.unit_price = unit_price
        self.on_change = on_change
        self.reading: Reading | None = None
        self.tare_grams = 0  # a tare the till keeps when the scale has no tare command
        self.poller: ScalePoller | None = None
        per_kg = f"{money.format_clp(unit_price)}/kg" if unit_price is not None else ""
        self.view = WeighView(product=product, unit_price=per_kg, can_zero=supports(scale, "zero"))

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self, deliver: Callable[[Result], None] | None = None, *, interval: float = POLL_INTERVAL) -> None:
        """Poll the scale in a thread; results go to ``deliver`` (default: ``update`` on the poller's thread)."""
        self.stop()
        self.poller = ScalePoller(self.scale, deliver or self._update, interval=interval)
        self.poller.start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
            self.poller = None

    @property
    def active(self) -> bool:
        return self.poller is not None

    def poll_once(self) -> WeighView:
        """Read the scale now on this thread (tests, the headless demo)."""
        try:
            return self.update(self.scale.read())
        except ScaleError as error:
            return self.update(error)

    # -- results ------------------------------------------------------------------------------------------------

    def update(self, result: Result) -> WeighView:
        """Show one result of the scale: a reading, a read error, or a refused command."""
        if isinstance(result, CommandFailed):
            return self._emit(message=result.error.message)
        if isinstance(result, ScaleError):
            self.reading = None
            return self._emit(weight="—", price="", state=result.state.label, level="error", can_accept=False,
                              message=f"{result.message} Puede escribir el peso con el teclado.")
        reading = result.minus_tare(self.tare_grams)
        self.reading = reading
        level = "ok" if reading.sellable else "wait" if reading.state in _WAIT else "error"
        weight = money.format_kg(reading.kg) if reading.state in (*_OK, *_WAIT, ScaleState.UNDER_ZERO) else "—"
        price = ""
        if self.unit_price is not None and reading.sellable:
            price = money.format_clp(money.line_amount(self.unit_price, reading.kg))
        empty = reading.state is ScaleState.ZERO and bool(self.view.product)
        state = "Ponga el producto en la balanza" if empty else reading.label
        message = self.view.message if self.view.level != "error" else ""
        return self._emit(weight=weight, price=price, state=state, level=level, can_accept=reading.sellable,
                          message=message)

    def _update(self, result: Result) -> None:
        self.update(result)

    def accepted(self) -> Decimal | None:
        """The weight to sell in kg (3 decimals) if the last reading is sellable, else ``None``."""
        return self.reading.kg if self.reading is not None and self.reading.sellable else None

    # -- intents ------------------------------------------------------------------------------------------------

    def tare(self) -> WeighView:
        """Take off the container on the pan: the scale's tare, or the till's when the scale has none."""
        if supports(self.scale, "tare"):
            self.tare_grams = 0
            if not self._command(self.scale.tare):  # type: ignore[attr-defined]
                return self.view
            return self._emit(message="Tara enviada a la balanza", tare="Tara en la balanza")
        gross = self.reading.grams + self.tare_grams if self.reading is not None else 0
        if self.reading is None or self.reading.state is not ScaleState.STABLE or gross <= 0:
            return self._emit(message="Ponga el envase en la balanza y espere a que esté estable para la tara.")
        self.tare_grams = gross
        return self._emit(message="Tara descontada", tare=f"Tara {money.format_kg(Decimal(gross) / 1000)}")

    def zero(self) -> WeighView:
        """Zero the scale (pan empty): also forgets a tare kept by the till."""
        self.tare_grams = 0
        if not supports(self.scale, "zero"):
            return self._emit(message="Esta balanza se pone en cero con su propio botón.", tare="")
        if not self._command(self.scale.zero):  # type: ignore[attr-defined]
            return self.view
        return self._emit(message="Balanza puesta en cero", tare="")

    def _command(self, action: Callable[[], None]) -> bool:
        """Queue ``action`` on the poller, or run it now; ``False`` (with the message shown) if it failed now."""
        if self.poller is not None:
            self.poller.command(action)
            return True
        try:
            action()
        except ScaleError as error:
            self.update(CommandFailed(error))
            return False
        return True

    def _emit(self, **changes: Any) -> WeighView:
        values: dict[str, Any] = {name: getattr(self.view, name) for name in WeighView.__dataclass_fields__}
        values.update(changes)
        self.view = WeighView(**values)
        self.on_change(self.view)
        return self.view
