"""Find which serial port has a scale and which protocol it speaks, by asking each port in each protocol."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop.drivers.scales import protocols
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

TIMEOUT = 0.15
"""Seconds one protocol waits for an answer; the driver asks twice after a bad answer, so ≤ 0.3 s per try."""


@dataclass(frozen=True, slots=True)
class FoundScale:
    """A port where a scale answered: ``protocol`` is a name in ``protocols.PROTOCOLS``; ``reading`` what it said."""

    port: str
    protocol: str
    title: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class SkippedPort:
    """A port that could not be opened, with the driver's Spanish reason."""

    port: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Scales found (in the order the ports were given) and ports skipped; ports that stayed silent are in neither."""

    found: tuple[FoundScale, ...] = ()
    skipped: tuple[SkippedPort, ...] = ()


def probe_port(port: str, names: Sequence[str] = tuple(protocols.PROTOCOLS), *,
               timeout: float = TIMEOUT) -> FoundScale | SkippedPort | None:
    """Ask ``port`` for the weight in each protocol of ``names`` in turn; the first whose parser reads the answer wins.

    Stable, moving, zero, overload… all count (any ``Reading`` but ``NO_ANSWER``); garbage, silence and refused
    frames do not. Never raises.

    Returns:
        The scale found, the port skipped (cannot be opened: missing, no permission, busy) or ``None`` (nothing
        answered in any protocol).
    """
    for name in names:
        try:
            scale = SerialScale(port, name, timeout=timeout)
        except ScaleError as error:
            if error.state is ScaleState.OFFLINE:
                return SkippedPort(port, error.message)
            continue  # an unknown protocol name: nothing to try
        except Exception as exc:  # never raise to the wizard, whatever pyserial does
            return SkippedPort(port, f"No se pudo abrir el puerto {port}: {exc}")
        try:
            reading = scale.read()
        except ScaleError as error:
            if error.state is ScaleState.OFFLINE:
                return SkippedPort(port, error.message)
            continue
        except Exception:  # an unexpected driver failure means "not this protocol", never a crash
            continue
        finally:
            scale.close()
        if reading.state is not ScaleState.NO_ANSWER:
            return FoundScale(port, name, protocols.PROTOCOLS[name].title, reading)
    return None


def probe_ports(ports: Iterable[str], names: Sequence[str] = tuple(protocols.PROTOCOLS), *,
                timeout: float = TIMEOUT) -> ProbeResult:
    """``probe_port`` on every port in ``ports`` (at most ``len(names) × 2 × timeout`` seconds each); never raises."""
    found: list[FoundScale] = []
    skipped: list[SkippedPort] = []
    for port in ports:
        outcome = probe_port(port, names, timeout=timeout)
        if isinstance(outcome, FoundScale):
            found.append(outcome)
        elif isinstance(outcome, SkippedPort):
            skipped.append(outcome)
    return ProbeResult(tuple(found), tuple(skipped))
