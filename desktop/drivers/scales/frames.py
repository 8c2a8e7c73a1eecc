"""Frames a scale of each protocol sends for a weight and state: the scale's side of ``protocols``, for simulators.

Each encoder writes what the matching parser in ``protocols`` reads (same sources, hardware.md section a), so
``protocols.get(p).parse(encode(p, grams, state))`` gives the weight back for every state a protocol can express.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.drivers.scales import protocols
from desktop.drivers.scales.protocols import CR, CRLF, EOT, ETX, SOH, STX
from desktop.drivers.scales.reading import ScaleState

MAX_GRAMS = 99_999
S = ScaleState
_TOLEDO_STATUS = {S.UNSTABLE: 0x41, S.OVERLOAD: 0x42, S.UNDER_ZERO: 0x44, S.NEEDS_ZERO: 0x48}
_MAGELLAN_STATUS = {S.NEEDS_ZERO: b"S140", S.UNSTABLE: b"S141", S.OVERLOAD: b"S142", S.ZERO: b"S143",
                    S.UNDER_ZERO: b"S145"}


def _kg(grams: int, width: int = 6) -> bytes:
    """``1234`` → ``b"01.234"`` (zero-padded to ``width`` characters)."""
    return f"{abs(grams) / 1000:0{width}.3f}".encode("ascii")


def toledo8217(grams: int, state: ScaleState) -> bytes:
    """``STX "01.234" CR`` for a stable weight, ``STX "?" status CR`` otherwise (status bits of §a1)."""
    if state in (S.STABLE, S.ZERO):
        return STX + _kg(grams if state is S.STABLE else 0) + CR
    return STX + b"?" + bytes([_TOLEDO_STATUS[state]]) + CR


def cas_ecr(grams: int, state: ScaleState) -> bytes:
    """``SOH STX status sign "01.234" "kg" BCC ETX EOT`` (15 bytes, as TOTVS describes it)."""
    status = {S.STABLE: b"S", S.ZERO: b"S", S.UNDER_ZERO: b"S", S.UNSTABLE: b"U", S.OVERLOAD: b"F"}[state]
    sign = b"-" if state is S.UNDER_ZERO else b" "
    data = status + sign + _kg(0 if state is S.ZERO else grams) + b"kg"
    return SOH + STX + data + bytes([protocols.bcc(data)]) + ETX + EOT


def cas_indicator(grams: int, state: ScaleState) -> bytes:
    """``b"ST,GS,1" lamp b"," b" 001.234" b" kg" CR LF`` (22 bytes; lamp b6 stable, b0 zero, b2 gross)."""
    head = {S.STABLE: b"ST", S.ZERO: b"ST", S.UNDER_ZERO: b"ST", S.UNSTABLE: b"US", S.OVERLOAD: b"OL"}[state]
    grams = 0 if state is S.ZERO else grams
    lamp = 0x04 | (0x40 if head == b"ST" else 0) | (0x01 if grams == 0 else 0)
    sign = b"-" if state is S.UNDER_ZERO else b" "
    return head + b",GS,1" + bytes([lamp]) + b"," + sign + _kg(grams, 7) + b" kg" + CRLF


def dibal(grams: int, state: ScaleState) -> bytes:
    """``b"01234 00000 000000 0" CR LF``; every digit is ``X`` unless the weight is stable and above zero."""
    if state is S.STABLE and grams > 0:
        return f"{grams:05d} 00000 000000 0".encode("ascii") + CRLF
    return b"XXXXX XXXXX XXXXXX 0" + CRLF


def digi_ds781(grams: int, state: ScaleState) -> bytes:
    """The 37-byte DS-781 Type B frame: flags, ``CR "0"`` net, ``CR "4"`` tare, ``CR "U"`` price, ``CR "T"`` total."""
    condition = 0x40
    net, total = _kg(grams), b"000.000"
    if state in (S.STABLE, S.ZERO):
        condition |= 0x02 | (0x01 if state is S.ZERO or grams == 0 else 0)
        net = _kg(0 if state is S.ZERO else grams)
    elif state is S.OVERLOAD:
        condition |= 0x08
        net, total = b"OF    ", b"       "
    elif state is S.UNDER_ZERO:
        condition |= 0x02 | 0x04
        net = b"-" + _kg(grams, 5) if abs(grams) < 10_000 else b"UF    "
    elif state is not S.UNSTABLE:
        raise KeyError(state)
    return (bytes([0x40, condition]) + CR + b"0" + net + CR + b"4" + b"00.000" + CR + b"U" + b"00.000" + CR
            + b"T" + total + CRLF)


def magellan_scc(grams: int, state: ScaleState) -> bytes:
    """The answer to ``S14``: ``S144ddddd CR`` for a stable weight above zero, ``S140``–``S145`` otherwise."""
    if state is S.STABLE and grams > 0:
        return b"S144" + f"{grams:05d}".encode("ascii") + CR
    return _MAGELLAN_STATUS[S.ZERO if state is S.STABLE else state] + CR


def magellan_s11(grams: int) -> bytes:
    """The answer to ``S11`` (stable weight): ``S11ddddd CR``."""
    return b"S11" + f"{grams:05d}".encode("ascii") + CR


def magellan_label(code: str, symbology: str = "F") -> bytes:
    """A scanned label on the Magellan port: ``S08`` + symbology (``F`` EAN-13, ``A`` UPC-A…) + code + ``CR``."""
    return b"S08" + symbology.encode("ascii") + code.encode("ascii") + CR


ENCODERS: dict[str, Callable[[int, ScaleState], bytes]] = {
    "toledo8217": toledo8217, "cas_ecr": cas_ecr, "cas_indicator": cas_indicator, "dibal": dibal,
    "digi_ds781": digi_ds781, "magellan_scc": magellan_scc,
}

STATES: dict[str, frozenset[ScaleState]] = {
    "toledo8217": frozenset({S.STABLE, S.ZERO, *_TOLEDO_STATUS}),
    "cas_ecr": frozenset({S.STABLE, S.ZERO, S.UNDER_ZERO, S.UNSTABLE, S.OVERLOAD}),
    "cas_indicator": frozenset({S.STABLE, S.ZERO, S.UNDER_ZERO, S.UNSTABLE, S.OVERLOAD}),
    "dibal": frozenset({S.STABLE, S.ZERO, S.UNDER_ZERO, S.UNSTABLE, S.OVERLOAD, S.NOT_READY}),
    "digi_ds781": frozenset({S.STABLE, S.ZERO, S.UNDER_ZERO, S.UNSTABLE, S.OVERLOAD}),
    "magellan_scc": frozenset({S.STABLE, *_MAGELLAN_STATUS}),
}
"""The states each protocol can put on the wire (the simulator refuses the others)."""


def encode(protocol: str, grams: int, state: ScaleState = ScaleState.STABLE) -> bytes:
    """The frame a ``protocol`` scale sends when ``grams`` (0..99999, int) are on the pan in ``state``.

    Raises:
        ValueError: an unknown protocol, a weight out of range, or a state the protocol cannot express.
    """
    if protocol not in ENCODERS:
        raise ValueError(f"unknown scale protocol {protocol!r}")
    if not -MAX_GRAMS <= grams <= MAX_GRAMS:
        raise ValueError(f"weight out of range: {grams} g")
    if state not in STATES[protocol]:
        raise ValueError(f"{protocol} cannot send state {state.name}")
    return ENCODERS[protocol](grams, state)
