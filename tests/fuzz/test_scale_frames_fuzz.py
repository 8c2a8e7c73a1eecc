"""Fuzz the scale protocols: frames each protocol's own encoder writes (``scales.frames``), mutated, parsed alone
and through the serial driver's read loop; every answer is a reading or ``ScaleError`` in Spanish, never a hang."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from desktop.drivers.scales import frames, protocols
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState
from tests.fuzz import fuzz_kit

NAMES = sorted(frames.ENCODERS)


@st.composite
def valid_frames(draw: st.DrawFn, protocol: str | None = None) -> tuple[str, int, ScaleState, bytes]:
    """(protocol, grams, state, the frame a scale of that protocol sends)."""
    name = protocol or draw(st.sampled_from(NAMES))
    state = draw(st.sampled_from(sorted(frames.STATES[name], key=lambda s: s.value)))
    grams = draw(st.integers(0, frames.MAX_GRAMS))
    return name, grams, state, frames.encode(name, grams, state)


def _checked(reading: Reading) -> None:
    assert isinstance(reading.grams, int) and isinstance(reading.state, ScaleState)
    assert reading.grams >= 0 or reading.state is ScaleState.UNDER_ZERO, reading
    if reading.sellable:
        assert 0 < reading.grams <= 10 ** 8 and reading.kg > 0


def _parsed(protocol: str, frame: bytes) -> None:
    """The oracle: a reading, or ScaleError whose message a cashier reads in Spanish."""
    with fuzz_kit.bounded(2):
        dialect = protocols.get(protocol)
        try:
            _checked(dialect.parse(frame))
        except ScaleError as exc:
            assert exc.state is ScaleState.ERROR and fuzz_kit.spanish(exc.message), exc.message
        cut = dialect.cut(frame)
        assert cut is None or b"".join(cut) in frame
        if dialect.scanner is not None:
            code = dialect.scanner(frame)
            assert code is None or isinstance(code, str)


@fuzz_kit.budget(suite=300, weight=2.5)
@given(valid_frames().flatmap(lambda f: st.tuples(st.just(f[0]), fuzz_kit.mutated(f[3]))))
@example(("toledo8217", b"\x020100101.000\r"))  # read as 100,101 kg stable and sellable (fixed)
def test_mutated_frames_parse_or_are_refused_in_spanish(case: tuple[str, bytes]) -> None:
    _parsed(*case)


@fuzz_kit.budget(suite=200, weight=1.5)
@given(st.sampled_from(NAMES), st.binary(max_size=64))
def test_random_bytes_parse_or_are_refused_in_spanish(protocol: str, frame: bytes) -> None:
    _parsed(protocol, frame)


@fuzz_kit.budget(suite=200, weight=0.5)
@given(valid_frames(), st.sampled_from(NAMES))
def test_another_protocols_frame_is_refused_or_read(case: tuple[str, int, ScaleState, bytes], protocol: str) -> None:
    _parsed(protocol, case[3])


@fuzz_kit.budget(suite=200, weight=0.5)
@given(valid_frames())
def test_a_valid_frame_reads_back_its_weight(case: tuple[str, int, ScaleState, bytes]) -> None:
    protocol, grams, state, frame = case
    reading = protocols.get(protocol).parse(frame)
    if reading.sellable:
        assert (reading.grams, state) == (grams, ScaleState.STABLE)
    else:
        assert reading.state is not ScaleState.STABLE or grams == 0


class ScriptedPort:
    """A serial port whose input is a script of chunks (what a scale, or line noise, sends)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.written: list[bytes] = []

    @property
    def in_waiting(self) -> int:
        return len(self.chunks[0]) if self.chunks else 0

    def read(self, size: int) -> bytes:
        if not self.chunks:
            return b""
        head = self.chunks[0]
        self.chunks[0] = head[size:]
        if not self.chunks[0]:
            self.chunks.pop(0)
        return head[:size]

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        return len(data)

    def reset_input_buffer(self) -> None:
        pass

    def close(self) -> None:
        pass


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, list[bytes]]:
    """(protocol, what the port delivers): handshake replies, valid and mutated frames, scanner labels, noise,
    cut into chunks of any size."""
    protocol = draw(st.sampled_from(NAMES))
    dialect = protocols.get(protocol)
    parts: list[bytes] = [expect for _send, expect in dialect.handshake if draw(st.booleans())]
    for _ in range(draw(st.integers(0, 4))):
        _p, _g, _s, frame = draw(valid_frames(protocol))
        parts.append(draw(st.one_of(st.just(frame), fuzz_kit.mutated(frame), st.binary(max_size=24))))
        if dialect.scanner is not None and draw(st.booleans()):
            parts.append(frames.magellan_label(draw(st.text("0123456789", min_size=0, max_size=14))))
    data = b"".join(parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return protocol, [c for c in chunks if c]


@fuzz_kit.budget(suite=60, weight=0.15)
@given(streams())
def test_the_drivers_read_loop_answers_a_reading_or_spanish_on_any_stream(case: tuple[str, list[bytes]]) -> None:
    protocol, chunks = case
    scale = SerialScale("loop://", protocol, timeout=0.01, lazy=True)
    port: Any = ScriptedPort(chunks)
    scale._serial = port  # the one seam: the port object pyserial would have opened
    with fuzz_kit.bounded(3):
        try:
            _checked(scale.read())
        except ScaleError as exc:
            assert exc.state in (ScaleState.ERROR, ScaleState.OFFLINE) and fuzz_kit.spanish(exc.message), exc.message
        scans = scale.take_scans()
        assert all(isinstance(code, str) and code for code in scans)
