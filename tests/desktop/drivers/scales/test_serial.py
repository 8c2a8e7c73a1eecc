"""SerialScale against the simulator on real pseudo-terminals, a TCP socket and pyserial URLs: faults, commands and
opening errors of the serial driver (what every scale does is in tests/contract/test_scales.py)."""

from __future__ import annotations

import errno
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import driver, protocols
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

S = ScaleState
PROTOCOLS = sorted(protocols.PROTOCOLS)
FAST = 0.15  # seconds; the timeout for tests that wait for silence


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rig(protocol: str) -> Iterator[tuple[ScaleSimulator, SerialScale]]:
    simulator = ScaleSimulator(protocol, grams=1234, interval=0.02)
    scale = SerialScale(simulator.port, protocol, timeout=FAST)
    yield simulator, scale
    scale.close()
    simulator.close()


def read_until(scale: SerialScale, wanted: Callable[[Reading], bool], tries: int = 5) -> Reading:
    """Read until ``wanted`` (a streaming scale may still have one frame from before the change in flight)."""
    reading = scale.read()
    for _ in range(tries):
        if wanted(reading):
            break
        reading = scale.read()
    return reading


def requests(simulator: ScaleSimulator) -> int:
    return simulator.received.count(simulator.dialect.request)


# -- faults ------------------------------------------------------------------------------------------------------------

def test_half_frame_is_retried_once_then_raises(rig: tuple[ScaleSimulator, SerialScale]) -> None:
    simulator, scale = rig
    simulator.half_frame()
    with pytest.raises(ScaleError, match="incompleto"):
        scale.read()
    if not simulator.dialect.streams:
        assert requests(simulator) == 2


def test_one_half_frame_is_healed_by_the_retry(rig: tuple[ScaleSimulator, SerialScale]) -> None:
    simulator, scale = rig
    simulator.half_frame(times=1)
    assert read_until(scale, lambda r: r.state is S.STABLE).grams == 1234


def test_wrong_parity_raises(rig: tuple[ScaleSimulator, SerialScale]) -> None:
    simulator, scale = rig
    simulator.wrong_parity()
    with pytest.raises(ScaleError) as caught:
        scale.read()
    if simulator.dialect.bytesize == 7:
        assert "configuración de puerto" in str(caught.value) and simulator.dialect.settings in str(caught.value)


def test_unplugged_scale_raises_offline_in_spanish(rig: tuple[ScaleSimulator, SerialScale]) -> None:
    simulator, scale = rig
    simulator.unplug()
    with pytest.raises(ScaleError) as caught:
        scale.read()
    assert caught.value.state is S.OFFLINE
    assert str(caught.value).startswith("Se perdió la conexión con la balanza (/dev/")
    with pytest.raises(ScaleError) as again:  # the next read tries to reopen: the pty is gone
        scale.read()
    assert again.value.state is S.OFFLINE and "balanza" in str(again.value)


def test_cas_nak_means_ask_again() -> None:
    with ScaleSimulator("cas_ecr", grams=1500) as simulator, SerialScale(simulator.port, "cas_ecr") as scale:
        simulator.nak(times=1)
        assert scale.read().grams == 1500
        assert simulator.received.count(protocols.ENQ) == 2


def test_dibal_follows_the_stx_ack_handshake() -> None:
    with ScaleSimulator("dibal", grams=750) as simulator, SerialScale(simulator.port, "dibal") as scale:
        assert scale.read().grams == 750
        assert simulator.received == [protocols.STX, b"10\r\n", protocols.ACK]


# -- commands, tare, scanner-scale -----------------------------------------------------------------------------------

def test_toledo_zero_and_tare_commands() -> None:
    with ScaleSimulator("toledo8217", grams=300) as simulator, SerialScale(simulator.port, "toledo8217") as scale:
        scale.tare()
        assert read_until(scale, lambda r: r.state is S.ZERO).grams == 0
        simulator.set_weight(900)
        scale.zero()
        assert read_until(scale, lambda r: r.state is S.ZERO).state is S.ZERO
        assert b"T" in simulator.received and b"Z" in simulator.received


def test_protocols_without_commands_say_so() -> None:
    with ScaleSimulator("cas_ecr") as simulator, SerialScale(simulator.port, "cas_ecr") as scale:
        with pytest.raises(ScaleError, match="no permite poner en cero"):
            scale.zero()
        with pytest.raises(ScaleError, match="no permite descontar la tara"):
            scale.tare()


def test_software_tare_is_taken_off() -> None:
    with ScaleSimulator("digi_ds781", grams=1234) as simulator, \
            SerialScale(simulator.port, "digi_ds781", tare_grams=234) as scale:
        assert scale.read().grams == 1000


def test_magellan_labels_on_the_same_port_are_kept_as_scans() -> None:
    with ScaleSimulator("magellan_scc", grams=1230) as simulator, \
            SerialScale(simulator.port, "magellan_scc") as scale:
        simulator.scan("7801234567894")
        time.sleep(0.05)
        assert scale.read().grams == 1230
        simulator.scan("96385074", "FF")
        assert scale.read().grams == 1230
        assert scale.take_scans() == ["7801234567894", "96385074"]
        assert scale.take_scans() == []


# -- opening ports and URLs ------------------------------------------------------------------------------------------

def test_a_port_that_does_not_exist() -> None:
    with pytest.raises(ScaleError) as caught:
        SerialScale("/dev/ttyNOPE99", "toledo8217")
    assert str(caught.value).startswith("La balanza no está conectada (/dev/ttyNOPE99)")
    assert caught.value.state is S.OFFLINE and caught.value.detail


@pytest.mark.parametrize(("number", "words"), [(errno.EACCES, "permiso"), (errno.EBUSY, "Otro programa"),
                                               (errno.EIO, "No se pudo abrir")])
def test_open_errors_are_spanish(monkeypatch: pytest.MonkeyPatch, number: int, words: str) -> None:
    def refuse(url: str, *args: object, **kwargs: object) -> object:
        raise serial.SerialException(number, f"could not open port {url}: [Errno {number}]")
    monkeypatch.setattr(serial, "serial_for_url", refuse)
    with pytest.raises(ScaleError, match=words):
        SerialScale("/dev/ttyUSB0", "cas_ecr")


@pytest.mark.parametrize(("text", "words"), [
    ("could not open port 'COM3': FileNotFoundError(2, 'No se encuentra')", "no está conectada"),
    ("could not open port 'COM3': PermissionError(13, 'Acceso denegado.')", "Otro programa"),
])
def test_windows_open_errors_without_errno(monkeypatch: pytest.MonkeyPatch, text: str, words: str) -> None:
    def refuse(url: str, *args: object, **kwargs: object) -> object:
        raise serial.SerialException(text)
    monkeypatch.setattr(serial, "serial_for_url", refuse)
    with pytest.raises(ScaleError, match=words):
        SerialScale("COM3", "toledo8217")


def test_bad_url_and_unknown_protocol() -> None:
    with pytest.raises(ScaleError, match="dirección"):
        SerialScale("nope://x", "toledo8217")
    with pytest.raises(ScaleError, match="Protocolo de balanza desconocido"):
        SerialScale("loop://", "kretz")


def test_loop_url_opens_and_an_echo_is_not_an_answer() -> None:
    with SerialScale("loop://", "digi_ds781", timeout=0.1) as scale, pytest.raises(ScaleError, match="incompleto"):
        scale.read()


def test_socket_url_reads_a_network_serial_server() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    host, port = server.getsockname()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            while (data := connection.recv(16)) and data != b"W":
                pass
            connection.sendall(b"\x0202.500\r")
            connection.recv(16)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with SerialScale(f"socket://{host}:{port}", "toledo8217", timeout=1) as scale:
        assert scale.read().grams == 2500
    thread.join(timeout=2)
    server.close()


def test_list_serial_ports_never_raises() -> None:
    ports = driver.list_serial_ports()
    assert all(isinstance(p, driver.PortInfo) and p.device for p in ports)


def test_simulator_command_line_serves_a_pty(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-m", "desktop.drivers.scale_sim", "cas_ecr", "--weight", "1234"],
                          stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[4]) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"(/dev/\S+)", line)
            assert match, line
            with SerialScale(match[1], "cas_ecr", timeout=1) as scale:
                assert scale.read().grams == 1234
        finally:
            process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0  # Ctrl-C right after the port is printed is a clean exit too


def test_simulator_refuses_states_its_protocol_cannot_send() -> None:
    with ScaleSimulator("toledo8217") as simulator, pytest.raises(ValueError):
        simulator.set_weight(10, S.NOT_READY)
    with pytest.raises(ValueError):
        ScaleSimulator("dibal", grams=100_000)
