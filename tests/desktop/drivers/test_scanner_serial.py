"""Serial scanners on real pseudo-terminals: CR/LF codes, garbage, half frames, unplugging; the Magellan's labels."""

from __future__ import annotations

import os
import queue
import tty
from collections.abc import Iterator

import pytest

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scanner import ScaleScanner, SerialScanner

WAIT = 3.0


class Pty:
    """The scanner's cable: the test writes on ``master``; the scanner opens ``port``."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1


class Heard:
    """What the scanner delivered: ("code", text) and ("error", message) in order, from its thread."""

    def __init__(self) -> None:
        self.items: queue.Queue[tuple[str, str]] = queue.Queue()

    def code(self, text: str) -> None:
        self.items.put(("code", text))

    def error(self, text: str) -> None:
        self.items.put(("error", text))

    def next(self) -> tuple[str, str]:
        return self.items.get(timeout=WAIT)

    def quiet(self, seconds: float = 0.3) -> bool:
        try:
            self.items.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def rig() -> Iterator[tuple[Pty, SerialScanner, Heard]]:
    pty = Pty()
    scanner = SerialScanner(pty.port, retry=0.1)
    heard = Heard()
    scanner.start(heard.code, heard.error)
    assert scanner.connected.wait(WAIT)  # pyserial flushes what arrived before it opened, like a real port
    yield pty, scanner, heard
    scanner.stop()
    pty.unplug()


def test_codes_ending_in_cr_lf_or_both(rig):
    pty, _, heard = rig
    pty.send(b"7801234567894\r\n96385074\n")
    pty.send(b"ABC-123\r")
    assert [heard.next(), heard.next(), heard.next()] == [
        ("code", "7801234567894"), ("code", "96385074"), ("code", "ABC-123")]
    assert heard.quiet()


def test_a_code_in_pieces_is_one_code(rig):
    pty, _, heard = rig
    pty.send(b"78012")
    pty.send(b"34567894\r")
    assert heard.next() == ("code", "7801234567894")


def test_garbage_is_reported_and_the_next_code_still_reads(rig):
    pty, _, heard = rig
    pty.send(b"\x00\xff\xfe\x81garbage\r\n")
    kind, message = heard.next()
    assert kind == "error" and "ilegibles" in message and "9600 baudios" in message
    pty.send(b"7801234567894\r")
    assert heard.next() == ("code", "7801234567894")


def test_a_half_frame_is_dropped_and_said(rig):
    pty, _, heard = rig
    pty.send(b"780123")  # the cable moved mid-code: no terminator ever comes
    kind, message = heard.next()
    assert kind == "error" and "incompleto" in message
    pty.send(b"7801234567894\r")
    assert heard.next() == ("code", "7801234567894")


def test_endless_noise_without_a_terminator_is_garbage(rig):
    pty, _, heard = rig
    pty.send(b"9" * 200)
    kind, message = heard.next()
    assert kind == "error" and "ilegibles" in message


def test_unplugged_is_said_once_and_the_thread_keeps_trying(rig):
    pty, scanner, heard = rig
    pty.send(b"7801234567894\r")
    assert heard.next() == ("code", "7801234567894")
    pty.unplug()
    kind, message = heard.next()
    assert kind == "error" and "desconectó el lector" in message and pty.port in message
    assert scanner.running


def test_a_missing_port_is_said_and_retried():
    heard = Heard()
    scanner = SerialScanner("/dev/ttyNOPE", retry=0.05)
    scanner.start(heard.code, heard.error)
    try:
        kind, message = heard.next()
        assert kind == "error" and "No se pudo abrir el lector de códigos (/dev/ttyNOPE)" in message
        assert heard.quiet(0.3)  # said once, not every retry
    finally:
        scanner.stop()
    assert not scanner.running


def test_the_magellan_scanner_scale_feeds_labels_while_weighing():
    with ScaleSimulator("magellan_scc", grams=1230) as simulator, \
            SerialScale(simulator.port, "magellan_scc", timeout=0.3) as scale:
        heard = Heard()
        scanner = ScaleScanner(scale, interval=0.02)
        scanner.start(heard.code, heard.error)
        try:
            simulator.scan("7801234567894")
            assert heard.next() == ("code", "7801234567894")
            assert scale.read().grams == 1230  # the weight still reads on the same port
            simulator.scan("96385074", "FF")
            assert heard.next() == ("code", "96385074")
            simulator.unplug()
            kind, message = heard.next()
            assert kind == "error" and message.startswith("Lector de la balanza:")
        finally:
            scanner.stop()
