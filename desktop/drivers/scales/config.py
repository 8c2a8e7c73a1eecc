"""The ``[scale]`` settings of a terminal and the one place that turns them into a ``Scale``."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.drivers.scales import Scale, protocols
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale

FAKE = "fake"
"""Protocol name of the in-memory scale (demo mode, development without hardware)."""

FAKE_GRAMS = 500
"""What the fake scale has on its pan: a stable half kilo, so the weighing dialog can be tried."""


@dataclass(frozen=True, slots=True)
class ScaleConfig:
    """Which scale the terminal weighs on.

    Attributes:
        protocol: a name in ``protocols.PROTOCOLS`` (``"toledo8217"``, ``"cas_ecr"``…) or ``"fake"``.
        port: serial device or pyserial URL (``/dev/ttyUSB0``, ``COM3``, ``socket://10.0.0.9:4001``).
        timeout: seconds to wait for one answer.
        tare_grams: a container's weight in grams, always taken off (0 = none).
    """

    protocol: str
    port: str = ""
    timeout: float = 0.5
    tare_grams: int = 0

    def validate(self) -> None:
        """Check the settings without opening anything.

        Raises:
            ValueError: an unknown protocol, a missing port, a timeout or tare out of range; in Spanish.
        """
        if self.protocol != FAKE and self.protocol not in protocols.PROTOCOLS:
            names = ", ".join([*protocols.PROTOCOLS, FAKE])
            raise ValueError(f"protocolo de balanza desconocido: {self.protocol!r} (use uno de: {names})")
        if self.protocol != FAKE and not self.port.strip():
            raise ValueError("la balanza necesita un puerto (port), p. ej. /dev/ttyUSB0")
        if not 0.05 <= self.timeout <= 10:
            raise ValueError("el tiempo de espera de la balanza (timeout) va de 0,05 a 10 segundos")
        if not 0 <= self.tare_grams < 100_000:
            raise ValueError("la tara de la balanza (tare_grams) va de 0 a 99999 gramos")

    @property
    def title(self) -> str:
        """The protocol as a technician knows it ("Toledo 8217 / Magellan SASI", "Balanza de prueba")."""
        return "Balanza de prueba" if self.protocol == FAKE else protocols.get(self.protocol).title


def open_scale(config: ScaleConfig) -> Scale:
    """The scale for ``config``; a serial port is opened on the first read, so a missing scale never stops the
    terminal from starting (it reads as ``OFFLINE`` until it is plugged in).

    Raises:
        ValueError: the settings are invalid (see ``ScaleConfig.validate``).
    """
    config.validate()
    if config.protocol == FAKE:
        scale = FakeScale(FAKE_GRAMS)
        scale.tare_grams = config.tare_grams
        return scale
    return SerialScale(config.port, config.protocol, timeout=config.timeout, tare_grams=config.tare_grams,
                       lazy=True)


def supports(scale: Scale, command: str) -> bool:
    """Whether ``scale`` takes ``command`` (``"zero"`` or ``"tare"``) from the till."""
    check = getattr(scale, "supports", None)
    return bool(check(command)) if callable(check) else callable(getattr(scale, command, None))
