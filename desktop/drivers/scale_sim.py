"""Scale simulators on real pseudo-terminals, one per protocol, with faults on demand (hardware.md section d).

Run ``python -m desktop.drivers.scale_sim toledo8217 --weight 1234``: it prints the pty path to give the terminal
(or the demo) as the scale's port, and serves until Ctrl-C. ptys ignore baud rate and parity, so a parity or
bit-width mismatch is imitated by ``wrong_parity()`` (bytes arrive with the high bit set).
"""

from __future__ import annotations

import argparse
import os
import random
import select
import threading
import time
import tty
from types import TracebackType

from desktop.drivers.scales import frames, protocols
from desktop.drivers.scales.protocols import ACK, CR, CRLF, DC1, ENQ, NAK, STX
from desktop.drivers.scales.reading import ScaleState

_TICK = 0.02


class ScaleSimulator:
    """A scale speaking ``protocol`` on the slave side of a fresh pty (``port``), answered from a thread.

    Args:
        protocol: a name in ``protocols.PROTOCOLS``.
        grams: the weight on the pan (int grams, 0..99999).
        state: its state (default ``STABLE``; a stable 0 g is the protocol's zero).
        interval: seconds between frames of a streaming scale (``cas_indicator``).
        seed: seed for the garbage bytes, so tests are repeatable.

    Faults last until ``heal()``, or for ``times`` answers when given. ``received`` lists the commands the
    scale understood (``b"W"``, ``b"Z"``, ``b"S14\\r"``…).
    """

    def __init__(self, protocol: str, *, grams: int = 0, state: ScaleState = ScaleState.STABLE,
                 interval: float = 0.05, seed: int = 0) -> None:
        self.dialect = protocols.get(protocol)
        self.protocol = protocol
        self.interval = interval
        self.received: list[bytes] = []
        self._lock = threading.Lock()
        self._grams, self._state, self._tare = grams, state, 0
        frames.encode(protocol, grams, state)  # refuse a weight or state the protocol cannot send
        self._fault: str | None = None
        self._fault_left: int | None = None
        self._garbage: bytes | None = None
        self._random = random.Random(seed)
        self._inbox = bytearray()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        self._wake_read, self._wake_write = os.pipe()  # unplug() wakes the thread out of select at once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"scale-sim-{protocol}", daemon=True)
        self._thread.start()

    # -- what the test controls -----------------------------------------------------------------------------------

    def set_weight(self, grams: int, state: ScaleState = ScaleState.STABLE) -> None:
        """Put ``grams`` (int) on the pan in ``state``.

        Raises:
            ValueError: a weight out of 0..99999 g or a state this protocol cannot send.
        """
        frames.encode(self.protocol, grams, state)
        with self._lock:
            self._grams, self._state, self._tare = grams, state, 0

    def garbage(self, times: int | None = None, data: bytes | None = None) -> None:
        """Answer with ``data``, or random printable bytes ending like a frame (so they get parsed)."""
        self._set_fault("garbage", times)
        self._garbage = data

    def half_frame(self, times: int | None = None) -> None:
        """Answer with the first half of each frame only."""
        self._set_fault("half_frame", times)

    def no_answer(self, times: int | None = None) -> None:
        """Ignore requests (and stop streaming)."""
        self._set_fault("no_answer", times)

    def wrong_parity(self, times: int | None = None) -> None:
        """Send frames with the high bit set on every byte: a 7E1/8N1 mismatch as seen through a pty."""
        self._set_fault("wrong_parity", times)

    def nak(self, times: int | None = 1) -> None:
        """Answer ``ENQ`` with ``NAK`` ("ask again"; CAS ENQ/ACK/DC1)."""
        self._set_fault("nak", times)

    def heal(self) -> None:
        """Stop any fault."""
        self._set_fault(None, None)

    def scan(self, code: str, symbology: str = "F") -> None:
        """Send a scanned label on the port (Magellan scanner-scale; ``F`` = EAN-13)."""
        self._send(frames.magellan_label(code, symbology))

    def demo(self, *, empty: float = 3.0, moving: float = 1.2, steady: float = 8.0) -> None:
        """Play a shop's routine until closed, for the demo: an empty pan for ``empty`` seconds, then a product
        (150–2500 g) put on, moving for ``moving`` seconds and steady for ``steady``; again with another weight."""

        def routine() -> None:
            while not self._stop.is_set():
                grams = self._random.randrange(150, 2500)
                for value, state, seconds in ((0, ScaleState.STABLE, empty), (grams, ScaleState.UNSTABLE, moving),
                                              (grams, ScaleState.STABLE, steady)):
                    self.set_weight(value, state)
                    if self._stop.wait(seconds):
                        return

        threading.Thread(target=routine, name=f"scale-sim-demo-{self.protocol}", daemon=True).start()

    def unplug(self) -> None:
        """Pull the cable: stop answering and close the pty, so the driver's port fails. Safe to call twice."""
        with self._lock:
            if self._master < 0:
                return
            self._stop.set()
            os.write(self._wake_write, b"!")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)
        with self._lock:
            for fd in (self._master, self._slave, self._wake_read, self._wake_write):
                os.close(fd)
            self._master = self._slave = -1

    close = unplug

    def __enter__(self) -> ScaleSimulator:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # -- the scale's side -----------------------------------------------------------------------------------------

    def _set_fault(self, fault: str | None, times: int | None) -> None:
        with self._lock:
            self._fault, self._fault_left = fault, times

    def _take_fault(self) -> str | None:
        """The fault for this answer, counting it down."""
        with self._lock:
            fault = self._fault
            if fault is not None and self._fault_left is not None:
                self._fault_left -= 1
                if self._fault_left <= 0:
                    self._fault, self._fault_left = None, None
            return fault

    def _peek_fault(self) -> str | None:
        with self._lock:
            return self._fault

    def _serve(self) -> None:
        next_frame = time.monotonic()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master, self._wake_read], [], [], _TICK)
                data = os.read(self._master, 1024) if self._master in ready else b""
            except (BlockingIOError, InterruptedError):
                data = b""
            except (OSError, ValueError):  # closed under us (unplug)
                return
            if data:
                self._inbox += data
                self._answer()
            if self.dialect.streams and time.monotonic() >= next_frame:
                next_frame = time.monotonic() + self.interval
                self._send_frame()

    def _answer(self) -> None:
        """Consume complete requests from the inbox and answer each like the protocol's scale would."""
        name, inbox = self.protocol, self._inbox
        while inbox:
            if name == "dibal" and inbox[:1] not in (STX, ACK):
                end = inbox.find(CRLF)
                if end < 0:
                    return
                request = bytes(inbox[:end + 2])
            elif name == "magellan_scc":
                end = inbox.find(CR)
                if end < 0:
                    return
                request = bytes(inbox[:end + 1])
            else:
                request = bytes(inbox[:1])
            del inbox[:len(request)]
            self._dispatch(request)

    def _dispatch(self, request: bytes) -> None:
        name = self.protocol
        self.received.append(request)
        if name == "toledo8217" and request in (b"Z", b"T", b"C"):
            with self._lock:
                if request == b"Z":
                    self._grams, self._state, self._tare = 0, ScaleState.STABLE, 0
                else:
                    self._tare = self._grams if request == b"T" else 0
        elif (name, request) in (("toledo8217", b"W"), ("cas_ecr", DC1), ("digi_ds781", ENQ), ("dibal", ACK),
                                 ("magellan_scc", b"S14" + CR)):
            self._send_frame()
        elif name == "cas_ecr" and request == ENQ:
            self._reply(NAK if self._peek_fault() == "nak" and self._take_fault() else ACK)
        elif name == "dibal" and request in (STX, b"10" + CRLF):
            self._reply(ACK if request == STX else STX)
        elif name == "magellan_scc" and request == b"S11" + CR:
            with self._lock:
                grams, state = self._grams - self._tare, self._state
            if state is ScaleState.STABLE and grams > 0:  # otherwise a real scale waits for a stable weight
                self._send_frame(frames.magellan_s11(grams))

    def _reply(self, data: bytes) -> None:
        """A handshake byte: only ``no_answer`` touches it."""
        if self._peek_fault() == "no_answer":
            self._take_fault()
            return
        self._send(data)

    def _send_frame(self, frame: bytes | None = None) -> None:
        if frame is None:
            with self._lock:
                frame = frames.encode(self.protocol, self._grams - self._tare, self._state)
        fault = self._take_fault() if self._peek_fault() != "nak" else None
        if fault == "no_answer":
            return
        if fault == "garbage":
            junk = bytes(self._random.randrange(0x20, 0x7F) for _ in range(16))
            frame = self._garbage if self._garbage is not None else junk + self.dialect.terminator
        elif fault == "half_frame":
            frame = frame[:len(frame) // 2]
        elif fault == "wrong_parity":
            frame = bytes(byte | 0x80 for byte in frame)
        self._send(frame)

    def _send(self, data: bytes) -> None:
        with self._lock:
            if self._master < 0:
                return
            try:
                os.write(self._master, data)
            except BlockingIOError:  # nobody reads a streaming scale: drop, like a real line would
                pass
            except OSError:
                pass


def main(argv: list[str] | None = None) -> int:
    """Serve a simulated scale on a pty until Ctrl-C; prints the port to configure."""
    parser = argparse.ArgumentParser(prog="python -m desktop.drivers.scale_sim",
                                     description="Balanza simulada en un pseudo-terminal.")
    parser.add_argument("protocol", choices=sorted(protocols.PROTOCOLS))
    parser.add_argument("--weight", type=int, default=0, help="peso en gramos (0..99999)")
    states = sorted({state.name.lower() for states in frames.STATES.values() for state in states})
    parser.add_argument("--state", default="stable", choices=states, help="estado de la balanza")
    parser.add_argument("--demo", action="store_true", help="poner y sacar productos solos (peso que cambia)")
    args = parser.parse_args(argv)
    try:
        simulator = ScaleSimulator(args.protocol, grams=args.weight, state=ScaleState[args.state.upper()])
    except ValueError as error:
        parser.error(str(error))
    try:  # Ctrl-C may come at any moment, even as soon as the port is printed: a clean exit, the pty closed
        if args.demo:
            simulator.demo()
        print(f"Balanza {simulator.dialect.title} simulada en {simulator.port} ({simulator.dialect.settings}). "
              "Ctrl-C para salir.", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
