"""Scale frames: golden bytes from hardware.md per protocol, and encode/parse round trips for any weight."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.drivers.scales import frames, protocols
from desktop.drivers.scales.protocols import parse_scanner
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

S = ScaleState


def parse(protocol: str, frame: bytes) -> Reading:
    return protocols.get(protocol).parse(frame)


def cas(data: bytes, soh: bytes = b"\x01") -> bytes:
    return soh + b"\x02" + data + bytes([protocols.bcc(data)]) + b"\x03\x04"


def digi(status: int, condition: int, net: bytes, total: bytes = b"000.000") -> bytes:
    return (bytes([status, condition]) + b"\r0" + net + b"\r4" + b"00.000" + b"\rU" + b"00.000" + b"\rT" + total
            + b"\r\n")


# -- Reading and ScaleState ------------------------------------------------------------------------------------------

def test_reading_kg_is_a_three_place_decimal_and_only_stable_weight_sells() -> None:
    assert Reading(1234, S.STABLE).kg == Decimal("1.234")
    assert str(Reading(0, S.ZERO).kg) == "0.000"
    assert Reading(-50, S.UNDER_ZERO).kg == Decimal("-0.050")
    assert Reading(1234, S.STABLE).sellable
    for state in S:
        if state is not S.STABLE:
            assert not Reading(1234, state).sellable, state
    assert not Reading(0, S.STABLE).sellable


def test_every_state_has_a_spanish_label() -> None:
    assert S.STABLE.label == "Estable"
    assert S.UNSTABLE.label == "Peso inestable: espere"
    assert S.OVERLOAD.label == "Sobrecarga: retire peso"
    assert S.UNDER_ZERO.label == "Peso negativo: ponga en cero"
    assert S.NO_ANSWER.label == "La balanza no responde"
    assert all(state.label for state in S)


def test_software_tare_follows_the_net_weight() -> None:
    assert Reading(1234, S.STABLE).minus_tare(234) == Reading(1000, S.STABLE)
    assert Reading(234, S.STABLE).minus_tare(234).state is S.ZERO
    assert Reading(0, S.ZERO).minus_tare(50) == Reading(-50, S.UNDER_ZERO)
    assert Reading(0, S.OVERLOAD).minus_tare(50) == Reading(0, S.OVERLOAD)


def test_scale_error_carries_state_and_spanish_message() -> None:
    error = ScaleError(S.OFFLINE)
    assert error.state is S.OFFLINE and "conectada" in str(error)
    with pytest.raises(ScaleError, match="desconocido"):
        protocols.get("kretz")


# -- Toledo 8217 (§a1) -----------------------------------------------------------------------------------------------

def test_toledo_weight_frames() -> None:
    assert parse("toledo8217", b"\x0201.234\r") == Reading(1234, S.STABLE, b"\x0201.234\r")
    assert parse("toledo8217", b"\x0201.234N\r").grams == 1234
    assert parse("toledo8217", b"\x02 0.500\r").grams == 500
    assert parse("toledo8217", b"\x0200.000\r").state is S.ZERO


@pytest.mark.parametrize(("status", "state"), [
    (b"D", S.UNDER_ZERO),   # 02 3F 44 0D, hardware.md's example: bit 2 (Datalogic's letter list says otherwise)
    (b"A", S.UNSTABLE),     # bit 0 in motion
    (b"\x01", S.UNSTABLE),  # the raw byte hardware.md §d saw from a fake scale
    (b"B", S.OVERLOAD),     # bit 1 over capacity
    (b"C", S.OVERLOAD),     # motion + over capacity: overload wins
    (b"H", S.NEEDS_ZERO),   # bit 3 outside zero-capture range
    (b"P", S.ZERO),         # bit 4 centre of zero
])
def test_toledo_status_frames_decode_by_bits(status: bytes, state: ScaleState) -> None:
    reading = parse("toledo8217", b"\x02?" + status + b"\r")
    assert reading.state is state and reading.grams == 0 and not reading.sellable


@pytest.mark.parametrize("frame", [b"\x02?@\r", b"\x02?`\r", b"\x0201.2", b"\x02", b"", b"\x021234\r",
                                   b"\x02?AB\r", b"hello\r", b"\x02\xb01.234\r", b"\x02?\xc1\r"])
def test_toledo_garbage_and_half_frames_raise(frame: bytes) -> None:
    with pytest.raises(ScaleError) as caught:
        parse("toledo8217", frame)
    assert caught.value.state is S.ERROR and "balanza" in caught.value.message


# -- CAS ENQ/ACK/DC1 (§a2.1) -----------------------------------------------------------------------------------------

def test_cas_ecr_frames() -> None:
    assert parse("cas_ecr", cas(b"S 01.234kg")) == Reading(1234, S.STABLE, cas(b"S 01.234kg"))
    assert parse("cas_ecr", cas(b"S 01.234kg", soh=b"\x81")).grams == 1234
    assert parse("cas_ecr", cas(b"S001.234kg")).grams == 1234  # TOTVS: 15 bytes, no sign
    assert len(cas(b"S001.234kg")) == 15
    assert parse("cas_ecr", cas(b"U 00.750kg")) == Reading(750, S.UNSTABLE, cas(b"U 00.750kg"))
    assert parse("cas_ecr", cas(b"F 99.999kg")).state is S.OVERLOAD
    assert parse("cas_ecr", cas(b"S-00.120kg")) == Reading(-120, S.UNDER_ZERO, cas(b"S-00.120kg"))
    assert parse("cas_ecr", cas(b"S 00.000kg")).state is S.ZERO
    assert parse("cas_ecr", cas(b"S  123.7 g")).grams == 124  # r_keeper saw grams; halves round up


def test_cas_ecr_wrong_bcc_half_frames_and_pounds_raise() -> None:
    good = cas(b"S 01.234kg")
    with pytest.raises(ScaleError, match="dañado"):
        parse("cas_ecr", good[:-3] + bytes([good[-3] ^ 1]) + good[-2:])
    with pytest.raises(ScaleError, match="incompleto"):
        parse("cas_ecr", good[:8])
    with pytest.raises(ScaleError, match="kilogramos"):
        parse("cas_ecr", cas(b"S 02.720lb"))
    with pytest.raises(ScaleError):
        parse("cas_ecr", cas(b"X 01.234kg"))


@given(st.integers(2, 11), st.integers(0, 255))
def test_cas_ecr_any_changed_byte_is_caught(position: int, value: int) -> None:
    good = cas(b"S 01.234kg")
    if good[position] == value:
        value ^= 0x20
    with pytest.raises(ScaleError):
        parse("cas_ecr", good[:position] + bytes([value]) + good[position + 1:])


# -- CAS indicator 22-byte frame (§a2.4) -----------------------------------------------------------------------------

def test_cas_indicator_frames() -> None:
    frame = b"ST,GS,1D,  0013.5 kg\r\n"
    assert len(frame) == 22
    assert parse("cas_indicator", frame) == Reading(13500, S.STABLE, frame)
    assert parse("cas_indicator", b"US,GS,1\x04,  0001.2 kg\r\n").state is S.UNSTABLE
    assert parse("cas_indicator", b"OL,GS,1\x04," + b" " * 8 + b" kg\r\n").state is S.OVERLOAD
    assert parse("cas_indicator", b"ST,NT,1F,- 000.25 kg\r\n") == Reading(-250, S.UNDER_ZERO,
                                                                          b"ST,NT,1F,- 000.25 kg\r\n")
    assert parse("cas_indicator", b"ST,GS,1E,  0000.0 kg\r\n").state is S.ZERO


@pytest.mark.parametrize("frame", [b"ST,GS,1D,  0013.5 kg", b"ST,GS,1D,  0013.5 lb\r\n", b"XX,GS,1D,  0013.5 kg\r\n",
                                   b"ST;GS,1D,  0013.5 kg\r\n", b"13.5 kg\r\n", b"ST,GS,1D,  00x3.5 kg\r\n"])
def test_cas_indicator_bad_frames_raise(frame: bytes) -> None:
    with pytest.raises(ScaleError):
        parse("cas_indicator", frame)


# -- Dibal (§a3) -----------------------------------------------------------------------------------------------------

def test_dibal_frames() -> None:
    assert parse("dibal", b"01234 00000 000000 0\r\n") == Reading(1234, S.STABLE, b"01234 00000 000000 0\r\n")
    assert parse("dibal", b"00500 01990 000995 0\r\n").grams == 500
    assert parse("dibal", b"00500 01990 000995\r\n").grams == 500
    reading = parse("dibal", b"XXXXX XXXXX XXXXXX 0\r\n")
    assert reading.state is S.NOT_READY and not reading.sellable


@pytest.mark.parametrize("frame", [b"01234 00000", b"01X34 00000 000000 0\r\n", b"1234 00000 000000 0\r\n",
                                   b"\x0201234 00000 000000 0\r\n"])
def test_dibal_bad_frames_raise(frame: bytes) -> None:
    with pytest.raises(ScaleError):
        parse("dibal", frame)


# -- DIGI DS-781 Type B (§a4) ----------------------------------------------------------------------------------------

def test_digi_frames() -> None:
    example = bytes.fromhex("42420d30 30332e343536 0d34 30312e323030 0d55 30312e353030 0d54 3030352e313834 0d0a")
    assert len(example) == 37
    assert parse("digi_ds781", example) == Reading(3456, S.STABLE, example)  # pydigi's example frame
    assert parse("digi_ds781", example + b"\x1d").grams == 3456  # optional parity byte
    assert parse("digi_ds781", digi(0x40, 0x40, b"01.234")).state is S.UNSTABLE
    assert parse("digi_ds781", digi(0x40, 0x43, b"00.000")).state is S.ZERO
    assert parse("digi_ds781", digi(0x40, 0x48, b"OF    ", b"       ")).state is S.OVERLOAD
    assert parse("digi_ds781", digi(0x40, 0x50, b"UF    ")).state is S.UNDER_ZERO
    assert parse("digi_ds781", digi(0x40, 0x46, b"-0.120")) == Reading(-120, S.UNDER_ZERO,
                                                                      digi(0x40, 0x46, b"-0.120"))


@pytest.mark.parametrize("frame", [digi(0x40, 0x42, b"      "), digi(0x40, 0x02, b"01.234"),
                                   digi(0x40, 0x42, b"01.234")[:20], digi(0x40, 0x42, b"01.234")[:-3] + b"\r\n",
                                   digi(0x40, 0x42, b"01.234").replace(b"\r4", b"\r5")])
def test_digi_bad_frames_raise(frame: bytes) -> None:
    with pytest.raises(ScaleError):
        parse("digi_ds781", frame)


# -- Magellan single cable (§a5) -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("frame", "reading"), [
    (b"S1101230\r", Reading(1230, S.STABLE, b"S1101230\r")),
    (b"S14401230\r", Reading(1230, S.STABLE, b"S14401230\r")),
    (b"S140\r", Reading(0, S.NEEDS_ZERO, b"S140\r")),
    (b"S141\r", Reading(0, S.UNSTABLE, b"S141\r")),
    (b"S142\r", Reading(0, S.OVERLOAD, b"S142\r")),
    (b"S143\r", Reading(0, S.ZERO, b"S143\r")),
    (b"S145\r", Reading(0, S.UNDER_ZERO, b"S145\r")),
])
def test_magellan_scale_frames(frame: bytes, reading: Reading) -> None:
    assert parse("magellan_scc", frame) == reading


@pytest.mark.parametrize("frame", [b"S110123\r", b"S146\r", b"S14\r", b"S08F7801234567894\r", b"S1101230"])
def test_magellan_bad_frames_raise(frame: bytes) -> None:
    with pytest.raises(ScaleError):
        parse("magellan_scc", frame)


def test_magellan_scanner_frames_share_the_port() -> None:
    assert parse_scanner(b"S08F7801234567894\r") == "7801234567894"
    assert parse_scanner(b"S08A012345678905\r") == "012345678905"
    assert parse_scanner(b"S08FF96385074\r") == "96385074"
    assert parse_scanner(b"S08B3ABC-123\r") == "ABC-123"
    assert parse_scanner(b"S14401230\r") is None
    assert parse_scanner(b"S08F78012") is None


# -- framing and round trips -----------------------------------------------------------------------------------------

def expected_state(protocol: str, state: ScaleState, grams: int) -> ScaleState:
    if protocol == "dibal" and not (state is S.STABLE and grams > 0):
        return S.NOT_READY
    return S.ZERO if state is S.STABLE and grams == 0 else state


@pytest.mark.parametrize("protocol", sorted(protocols.PROTOCOLS))
@given(grams=st.integers(0, 99_999))
def test_any_stable_weight_round_trips(protocol: str, grams: int) -> None:
    reading = parse(protocol, frames.encode(protocol, grams))
    assert reading.state is expected_state(protocol, S.STABLE, grams)
    if reading.state is S.STABLE:
        assert reading.grams == grams and reading.sellable


@pytest.mark.parametrize("protocol", sorted(protocols.PROTOCOLS))
@given(grams=st.integers(1, 9_999), data=st.data())
def test_every_state_a_protocol_sends_round_trips_and_only_stable_sells(protocol: str, grams: int,
                                                                        data: st.DataObject) -> None:
    state = data.draw(st.sampled_from(sorted(frames.STATES[protocol], key=lambda s: s.name)))
    reading = parse(protocol, frames.encode(protocol, grams, state))
    assert reading.state is expected_state(protocol, state, grams)
    assert reading.sellable == (reading.state is S.STABLE)
    if reading.state is S.UNDER_ZERO:
        assert reading.grams <= 0


@pytest.mark.parametrize("protocol", sorted(protocols.PROTOCOLS))
@given(grams=st.integers(1, 99_999), junk=st.binary(max_size=12).filter(lambda b: b"\r" not in b and b"\x03" not in b))
def test_junk_before_a_frame_is_cut_off(protocol: str, grams: int, junk: bytes) -> None:
    dialect = protocols.get(protocol)
    if dialect.start is None and not dialect.length:
        junk = b""  # Dibal and Magellan frames have no start marker: the driver flushes the line instead
    cut = dialect.cut(junk + frames.encode(protocol, grams) + b"rest")
    assert cut is not None
    frame, rest = cut
    assert rest == b"rest"
    assert dialect.parse(frame).grams == (grams if expected_state(protocol, S.STABLE, grams) is S.STABLE else 0)
    assert dialect.cut(junk + frames.encode(protocol, grams)[:-1]) is None


def test_encoder_refuses_what_the_protocol_cannot_say() -> None:
    with pytest.raises(ValueError):
        frames.encode("toledo8217", 100_000)
    with pytest.raises(ValueError):
        frames.encode("magellan_scc", 10, S.NOT_READY)
    with pytest.raises(ValueError):
        frames.encode("nope", 10)


def test_dialect_table_matches_hardware_md_settings() -> None:
    settings = {name: dialect.settings for name, dialect in protocols.PROTOCOLS.items()}
    assert settings == {"toledo8217": "9600 7E1", "cas_ecr": "9600 8N1", "cas_indicator": "9600 8N1",
                        "dibal": "9600 8N1", "digi_ds781": "9600 8N1", "magellan_scc": "9600 7O1"}
    assert protocols.get("cas_indicator").streams and not protocols.get("cas_ecr").streams
