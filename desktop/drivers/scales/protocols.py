"""Scale dialects as a table (serial settings, request bytes, frame end) and a pure parser per protocol.

Sources are ``shared/reference/hardware.md`` section a (cited per parser) and the documents it names. No real scale
was used: every frame here comes from those documents and must be checked on a device.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

SOH, STX, ETX, EOT, ENQ, ACK, DC1, NAK = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05", b"\x06", b"\x11", b"\x15"
CR, LF = b"\r", b"\n"
CRLF = CR + LF

GARBLED = ("La balanza envió datos que no se entienden. Revise que la caja use el mismo protocolo que la "
           "balanza (menú de la balanza: tipo de ECR o protocolo).")
INCOMPLETE = "La balanza envió un dato incompleto. Intente de nuevo; si se repite, revise el cable."
DAMAGED = "El dato de la balanza llegó dañado. Intente de nuevo; si se repite, revise el cable."
UNIT = "La balanza envía el peso en {unit}. Configúrela para que envíe kilogramos."

_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")


@dataclass(frozen=True, slots=True)
class Dialect:
    """One row of the protocol table (like Odoo's ``ScaleProtocol``); settings are pyserial's values.

    A read is: send each ``handshake`` pair's bytes and wait for its expected reply byte, send ``request``
    (nothing for a scale that streams on its own), then collect bytes until ``terminator`` and ``parse`` them.
    ``nak`` in the input means "ask again"; ``start`` (a pattern) marks where a frame begins when junk precedes
    it; ``length`` is the size of fixed-length frames; ``scanner`` recognises barcode frames sharing the port.
    """

    name: str
    title: str
    parse: Callable[[bytes], Reading]
    terminator: bytes
    request: bytes = b""
    handshake: tuple[tuple[bytes, bytes], ...] = ()
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    start: re.Pattern[bytes] | None = None
    length: int = 0
    nak: bytes = b""
    zero_command: bytes = b""
    tare_command: bytes = b""
    scanner: Callable[[bytes], str | None] | None = None

    @property
    def streams(self) -> bool:
        """Whether the scale sends frames on its own (nothing to request)."""
        return not self.request

    @property
    def settings(self) -> str:
        """The serial settings as a technician writes them ("9600 7E1")."""
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"

    def cut(self, buffer: bytes) -> tuple[bytes, bytes] | None:
        """Split the first terminated chunk off ``buffer``: ``(frame, rest)``, or ``None`` if none ended yet.

        Junk before the frame is dropped (from the last ``start`` match, or keeping the last ``length`` bytes).
        """
        end = buffer.find(self.terminator)
        if end < 0:
            return None
        end += len(self.terminator)
        frame, rest = buffer[:end], buffer[end:]
        if self.length and len(frame) > self.length:
            frame = frame[-self.length:]
        elif self.start is not None:
            starts = [m.start() for m in self.start.finditer(frame)]
            if starts:
                frame = frame[starts[-1]:]
        return frame, rest


def _fail(message: str, frame: bytes, why: str) -> ScaleError:
    return ScaleError(ScaleState.ERROR, message, detail=f"{why}: {frame!r}")


def _grams(text: bytes, unit: bytes, frame: bytes) -> int:
    """Grams from an ASCII weight (``b" 01.234"``) in ``unit`` (kg or g), halves rounded up."""
    name = unit.strip().lower()
    factor = {b"kg": 1000, b"g": 1}.get(name)
    if factor is None:
        raise _fail(UNIT.format(unit=name.decode("ascii", "replace") or "?"), frame, "unit")
    value = text.replace(b" ", b"")
    if not _NUMBER.fullmatch(value):
        raise _fail(GARBLED, frame, "weight")
    return int((Decimal(value.decode("ascii")) * factor).to_integral_value(rounding=ROUND_HALF_UP))


def _weighed(grams: int, frame: bytes) -> Reading:
    return Reading(grams, ScaleState.STABLE if grams > 0 else ScaleState.ZERO, frame)


def _ended(frame: bytes, end: bytes) -> None:
    if not frame.endswith(end):
        raise _fail(INCOMPLETE, frame, f"no {end!r} at the end")


_TOLEDO_WEIGHT = re.compile(rb"\x02 *(\d{0,3}\.\d{1,4})N?\r")  # "01.234"; a longer number is a garbled frame


def parse_toledo8217(frame: bytes) -> Reading:
    """Parse a Mettler-Toledo 8217 answer to ``W`` (hardware.md §a1; Odoo ``SerialScaleDriver``, Datalogic KA-01089).

    ``STX "01.234" CR`` is 1234 g stable (an ``N`` may follow the digits). ``STX "?" status CR`` carries status
    bits (0x40 masked off): b0 in motion, b1 over capacity, b2 under zero, b3 outside zero-capture range,
    b4 centre of zero, b5 net. ``02 3F 44 0D`` (``?D``) is therefore under zero by the bits (Odoo), although
    Datalogic's letter list calls ``?D`` "outside zero capture": check on a device.

    Raises:
        ScaleError: a half frame, a frame of another protocol, or a status without a usable bit.
    """
    _ended(frame, CR)
    if frame[:2] == STX + b"?":
        if len(frame) != 4 or frame[2] >= 0x80:
            raise _fail(GARBLED, frame, "toledo status")
        bits = frame[2] & 0x3F
        for bit, state in ((0x02, ScaleState.OVERLOAD), (0x04, ScaleState.UNDER_ZERO), (0x01, ScaleState.UNSTABLE),
                           (0x08, ScaleState.NEEDS_ZERO), (0x10, ScaleState.ZERO)):
            if bits & bit:
                return Reading(0, state, frame)
        raise _fail(GARBLED, frame, "toledo status without weight bits")
    match = _TOLEDO_WEIGHT.fullmatch(frame)
    if match is None:
        raise _fail(GARBLED, frame, "toledo weight")
    return _weighed(_grams(match[1], b"kg", frame), frame)


_CAS_FRAME = re.compile(rb"[\x01\x81]\x02([SUF])([ +-]?)([ 0-9.]{4,8})([A-Za-z ]{2})(.)\x03\x04", re.DOTALL)


def bcc(data: bytes) -> int:
    """XOR of ``data`` (the CAS block check character)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def parse_cas_ecr(frame: bytes) -> Reading:
    """Parse a CAS ENQ/ACK/DC1 data block (hardware.md §a2.1; Elicom S200 doc §0, VbScalesReader, TOTVS).

    ``SOH STX status sign weight unit BCC ETX EOT``: status ``S`` stable, ``U`` unstable, ``F`` overload; sign
    ``" "`` or ``"-"`` (TOTVS's 15-byte form has none: ``"S" "001.234" "kg"``); weight with a decimal point
    (``"01.234"``); unit ``kg`` (``g`` accepted); BCC is the XOR of status through unit. Some scales send SOH as
    0x81. A negative weight is ``UNDER_ZERO``.

    Raises:
        ScaleError: a half frame, a wrong BCC, a unit other than kg/g, or anything else.
    """
    _ended(frame, ETX + EOT)
    match = _CAS_FRAME.fullmatch(frame)
    if match is None:
        raise _fail(GARBLED, frame, "cas block")
    if bcc(frame[2:-3]) != frame[-3]:
        raise _fail(DAMAGED, frame, f"bcc {frame[-3]:#04x} != {bcc(frame[2:-3]):#04x}")
    status, sign, weight, unit = match[1], match[2], match[3], match[4]
    grams = _grams(weight, unit, frame)
    if status == b"F":
        return Reading(grams, ScaleState.OVERLOAD, frame)
    if sign == b"-" and grams:
        return Reading(-grams, ScaleState.UNDER_ZERO, frame)
    if status == b"U":
        return Reading(grams, ScaleState.UNSTABLE, frame)
    return _weighed(grams, frame)


def parse_cas_indicator(frame: bytes) -> Reading:
    """Parse the 22-byte frame CAS indicators stream (hardware.md §a2.4; CAS CI-600D and PDS manuals).

    ``ST|US|OL "," GS|NT "," id lamp "," weight(8) " " unit(2) CR LF``, e.g. ``b"ST,GS,1D,  0013.5 kg\\r\\n"``;
    ``US`` is unstable and ``OL`` overload. The lamp byte (b6 stable, b0 zero, b1 tare, b2 gross) is not needed.

    Raises:
        ScaleError: a frame of another size or layout, or a unit other than kg/g.
    """
    _ended(frame, CRLF)
    if len(frame) < 22:
        raise _fail(GARBLED, frame, "short cas indicator frame")
    head = frame[:2]
    if (len(frame) != 22 or head not in (b"ST", b"US", b"OL") or frame[3:5] not in (b"GS", b"NT")
            or any(frame[at] != ord(",") for at in (2, 5, 8)) or frame[17:18] != b" "):
        raise _fail(GARBLED, frame, "cas indicator layout")
    if head == b"OL":
        return Reading(0, ScaleState.OVERLOAD, frame)
    grams = _grams(frame[9:17], frame[18:20], frame)
    if grams < 0:
        return Reading(grams, ScaleState.UNDER_ZERO, frame)
    if head == b"US":
        return Reading(grams, ScaleState.UNSTABLE, frame)
    return _weighed(grams, frame)


_DIBAL_FRAME = re.compile(rb"([0-9X]{5}) ([0-9X]{5}) ([0-9X]{6})(?: 0)?\r\n")


def parse_dibal(frame: bytes) -> Reading:
    """Parse the Dibal answer (hardware.md §a3; Elicom S200 doc §2 "Dibal protocol", VbScalesReader).

    ``weight(5) " " price/kg(5) " " total(6) " 0" CR LF`` with the weight in grams (``b"01234 ..."`` = 1234 g).
    In motion, at zero, overloaded or negative the scale sends ``X`` for every digit and cannot say which, so a
    frame of ``X`` is ``NOT_READY`` (never sellable).

    Raises:
        ScaleError: a half frame or anything that is not this layout.
    """
    _ended(frame, CRLF)
    match = _DIBAL_FRAME.fullmatch(frame)
    if match is None:
        raise _fail(GARBLED, frame, "dibal layout")
    weight = match[1]
    if weight == b"XXXXX":
        return Reading(0, ScaleState.NOT_READY, frame)
    if b"X" in weight:
        raise _fail(GARBLED, frame, "dibal weight")
    return _weighed(int(weight), frame)


_DIGI_FIXED = ((2, CR), (3, b"0"), (10, CR), (11, b"4"), (18, CR), (19, b"U"), (26, CR), (27, b"T"), (35, CRLF))


def parse_digi_ds781(frame: bytes) -> Reading:
    """Parse a DIGI DS-781 "Type B" answer to ENQ (hardware.md §a4; pydigi 1.1.0 ``protocol.py``, DS-781 manual).

    37 bytes: status flag, weight-condition flag (b0 zero, b1 stable, b2 negative net, b3 overflow,
    b4 underflow, b6 always 1), ``CR "0"`` net weight (6, kg, ``"01.234"``), ``CR "4"`` tare (6), ``CR "U"``
    unit price (6), ``CR "T"`` total (7), ``CR LF``. A weight field reads ``OF``/``UF`` on over/underflow. The
    optional 38th parity byte (status b0) comes after LF and is ignored.

    Raises:
        ScaleError: a half frame, a broken layout, or an empty weight field (the scale's data error).
    """
    if len(frame) == 38 and frame[36:37] == LF:
        frame = frame[:37]
    _ended(frame, CRLF)
    if len(frame) < 37:
        raise _fail(GARBLED, frame, "short digi frame")
    if len(frame) != 37 or any(frame[at:at + len(v)] != v for at, v in _DIGI_FIXED) or not frame[1] & 0x40:
        raise _fail(GARBLED, frame, "digi layout")
    condition, net = frame[1], frame[4:10].strip()
    if net == b"OF" or condition & 0x08:
        return Reading(0, ScaleState.OVERLOAD, frame)
    if net == b"UF" or condition & 0x10:
        return Reading(0, ScaleState.UNDER_ZERO, frame)
    grams = _grams(net, b"kg", frame)
    if condition & 0x04 or grams < 0:
        return Reading(-abs(grams), ScaleState.UNDER_ZERO, frame)
    if not condition & 0x02:
        return Reading(grams, ScaleState.UNSTABLE, frame)
    return Reading(0, ScaleState.ZERO, frame) if condition & 0x01 else _weighed(grams, frame)


_MAGELLAN_STATUS = {b"0": ScaleState.NEEDS_ZERO, b"1": ScaleState.UNSTABLE, b"2": ScaleState.OVERLOAD,
                    b"3": ScaleState.ZERO, b"5": ScaleState.UNDER_ZERO}


def _magellan_grams(digits: bytes, frame: bytes) -> int:
    if len(digits) == 4 and digits.isdigit():
        raise _fail(UNIT.format(unit="libras"), frame, "magellan 4-digit (lb) weight")
    if len(digits) != 5 or not digits.isdigit():
        raise _fail(GARBLED, frame, "magellan weight")
    return int(digits)


def parse_magellan_scc(frame: bytes) -> Reading:
    """Parse a Datalogic Magellan single-cable scale answer (hardware.md §a5; Datalogic KB KA-01089).

    ``S11ddddd CR`` answers ``S11`` (stable weight, 5 digits, grams with 3 kg decimals: ``S1101230`` = 1230 g).
    ``S14`` is answered by ``S140`` can't find zero, ``S141`` unstable, ``S142`` over capacity, ``S143`` stable
    zero, ``S144ddddd`` stable weight, ``S145`` under zero. 4-digit weights are pounds and refused.

    Raises:
        ScaleError: a half frame, a pound weight, a scanner frame (read those with ``parse_scanner``), or junk.
    """
    _ended(frame, CR)
    text = frame[:-1]
    if text.startswith(b"S11"):
        return _weighed(_magellan_grams(text[3:], frame), frame)
    if text.startswith(b"S144"):
        return _weighed(_magellan_grams(text[4:], frame), frame)
    state = _MAGELLAN_STATUS.get(text[3:4]) if text[:3] == b"S14" and len(text) == 4 else None
    if state is None:
        raise _fail(GARBLED, frame, "magellan scale frame")
    return Reading(0, state, frame)


_SYMBOLOGIES = (b"S08B1", b"S08B2", b"S08B3", b"S08FF", b"S08A", b"S08E", b"S08F", b"S08R")


def parse_scanner(frame: bytes) -> str | None:
    """The barcode in a Magellan scanner frame sharing the scale's port, or ``None`` if it is not one.

    Labels arrive as ``S08`` + symbology + data + ``CR``: ``S08A`` UPC-A, ``S08E`` UPC-E (not expanded),
    ``S08F`` EAN-13, ``S08FF`` EAN-8, ``S08R`` GS1 DataBar, ``S08B1/B2/B3`` Code 39 / ITF / Code 128 (hardware.md
    §a5 leaves this open; taken from CORE-POS ``SPH_Magellan_Scale.cs`` — verify on a device).
    """
    text = frame.rstrip(CR)
    if not text.startswith(b"S08") or not frame.endswith(CR):
        return None
    prefix = next((p for p in _SYMBOLOGIES if text.startswith(p)), b"S08")
    code = text[len(prefix):].decode("ascii", "replace")
    return code or None


PROTOCOLS: dict[str, Dialect] = {dialect.name: dialect for dialect in (
    Dialect("toledo8217", "Toledo 8217 / Magellan SASI", parse_toledo8217, CR, request=b"W", bytesize=7,
            parity="E", start=re.compile(rb"\x02"), zero_command=b"Z", tare_command=b"T"),
    Dialect("cas_ecr", "CAS (ENQ/ACK/DC1)", parse_cas_ecr, ETX + EOT, request=DC1, handshake=((ENQ, ACK),),
            nak=NAK, start=re.compile(rb"[\x01\x81]\x02")),
    Dialect("cas_indicator", "CAS indicador (trama continua de 22 bytes)", parse_cas_indicator, CRLF, length=22),
    Dialect("dibal", "Dibal (STX/ACK)", parse_dibal, CRLF, request=ACK, handshake=((STX, ACK), (b"10" + CRLF, STX))),
    Dialect("digi_ds781", "DIGI DS-781 tipo B", parse_digi_ds781, CRLF, request=ENQ, length=37),
    Dialect("magellan_scc", "Datalogic Magellan (un cable)", parse_magellan_scc, CR, request=b"S14" + CR,
            bytesize=7, parity="O", scanner=parse_scanner),
)}


def get(name: str) -> Dialect:
    """The dialect called ``name`` (``"toledo8217"``, ``"cas_ecr"``…).

    Raises:
        ScaleError: no such protocol (a configuration mistake), with the valid names in the message.
    """
    try:
        return PROTOCOLS[name]
    except KeyError:
        names = ", ".join(PROTOCOLS)
        raise ScaleError(ScaleState.ERROR, f"Protocolo de balanza desconocido: «{name}». Use uno de: {names}.",
                         detail=f"unknown protocol {name!r}") from None
