"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 between a terminal's SyncClient and the sync server.

It understands just enough HTTP/1.1 to find message boundaries (``Content-Length``, chunked responses) on
keep-alive connections, and for each request it decides, with a seeded ``random.Random``, whether to pass it
through or inject one fault:

``drop``          close the client's connection after reading the request, without forwarding it;
``delay``         wait up to 300 ms, then forward normally;
``duplicate``     forward the same request bytes twice (alternately one after the other on one upstream connection,
                  and at the same time on two), answer the client with the second response;
``cut_request``   forward only part of the request to the server, then close both sides;
``cut_response``  forward the whole request and read the whole response (the server applied it), then close the
                  client's connection with nothing or only a prefix of the response: the terminal never sees the ack.

Fault kinds are dealt from a shuffled bag (every kind once per bag), so any run with at least ``len(kinds)``
faults sees every kind. Injection stops after ``max_faults`` faults or ``max_seconds`` seconds, so a test that
retries converges. ``mode`` switches the whole proxy to answering ``503`` itself (``"error"``) or resetting every
connection (``"reset"``), to play a server that is down.
"""

from __future__ import annotations

import collections
import contextlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

KINDS = ("drop", "delay", "duplicate", "cut_request", "cut_response")
MAX_DELAY = 0.3


class Closed(Exception):
    """The peer closed the connection before a whole message arrived."""


@dataclass
class Message:
    """One HTTP/1.1 message as raw bytes, with what the proxy needs to know about it."""

    head: bytes
    body: bytes
    start_line: str
    headers: dict[str, str]

    @property
    def raw(self) -> bytes:
        return self.head + self.body

    @property
    def status(self) -> int:
        return int(self.start_line.split()[1])

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"

    def json(self) -> Any:
        with contextlib.suppress(ValueError):
            return json.loads(self.body)
        return None


def _read_head(f: Any) -> tuple[bytes, str, dict[str, str]]:
    lines: list[bytes] = []
    while True:
        line = f.readline(65537)
        if not line:
            raise Closed("eof in head")
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
    head = b"".join(lines)
    text = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for h in text[1:]:
        if ":" in h:
            name, value = h.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return head, text[0], headers


def _read_exact(f: Any, n: int) -> bytes:
    data = f.read(n)
    if data is None or len(data) != n:
        raise Closed("eof in body")
    return bytes(data)


def read_request(f: Any) -> Message:
    head, start, headers = _read_head(f)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(f)
    else:
        body = _read_exact(f, int(headers.get("content-length", "0") or 0))
    return Message(head, body, start, headers)


def read_response(f: Any, method: str) -> Message:
    head, start, headers = _read_head(f)
    status = int(start.split()[1])
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(f)
    elif "content-length" in headers:
        body = _read_exact(f, int(headers["content-length"]))
    else:
        body = f.read()
        headers["connection"] = "close"
    return Message(head, body, start, headers)


def _read_chunked(f: Any) -> bytes:
    out: list[bytes] = []
    while True:
        line = f.readline(1024)
        if not line:
            raise Closed("eof in chunk size")
        out.append(line)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers up to the blank line
                trailer = f.readline(65537)
                if not trailer:
                    raise Closed("eof in trailers")
                out.append(trailer)
                if trailer in (b"\r\n", b"\n"):
                    return b"".join(out)
        out.append(_read_exact(f, size + 2))


@dataclass
class Record:
    """What happened to one request (for the test's own assertions)."""

    kind: str  # "pass" or a fault kind
    method: str
    path: str
    status: int | None = None
    response: Any = None
    duplicate_of: Any = None  # the other response of a duplicate
    duplicate_status: int | None = None
    concurrent: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


class Upstream:
    """A lazily (re)opened keep-alive connection to the server."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.sock: socket.socket | None = None
        self.file: Any = None

    def ensure(self) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=30)
            self.file = self.sock.makefile("rb")

    def exchange(self, request: Message) -> Message:
        """Send a whole request and read its whole response (reconnecting once if a kept-alive socket died)."""
        for attempt in (0, 1):
            self.ensure()
            assert self.sock is not None
            try:
                self.sock.sendall(request.raw)
                response = read_response(self.file, request.start_line.split()[0])
            except (OSError, Closed):
                self.close()
                if attempt:
                    raise
                continue
            if response.closes:
                self.close()
            return response
        raise AssertionError("unreachable")

    def send_partial(self, data: bytes) -> None:
        self.ensure()
        assert self.sock is not None
        with contextlib.suppress(OSError):
            self.sock.sendall(data)
        self.close()

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self.file.close()
                self.sock.close()
        self.sock = None
        self.file = None


class FaultProxy:
    """``url`` is what the terminal talks to; the server listens on ``upstream_port``."""

    def __init__(self, upstream_port: int, *, seed: int, rate: float = 0.3, max_faults: int = 40,
                 max_seconds: float = 30.0, kinds: tuple[str, ...] = KINDS, upstream_host: str = "127.0.0.1") -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}")
        self.upstream = (upstream_host, upstream_port)
        self.rng = random.Random(seed)
        self.rate = rate
        self.max_faults = max_faults
        self.max_seconds = max_seconds
        self.kinds = kinds
        self.mode = "forward"  # or "error" (answer 503) or "reset" (close every connection at once)
        self.counts: collections.Counter[str] = collections.Counter()
        self.records: list[Record] = []
        self.faults = 0
        self._duplicates = 0
        self.injecting = True
        self._bag: list[str] = []
        self._lock = threading.Lock()
        self._started = 0.0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._stopped = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._listener.listen(64)
        self._started = time.monotonic()
        thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (close alone does not)
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- decisions ----------------------------------------------------------------------------------------------------

    def still_injecting(self) -> bool:
        return (self.injecting and self.faults < self.max_faults
                and time.monotonic() - self._started < self.max_seconds)

    def _decide(self) -> tuple[str, random.Random]:
        """The fault for the next request (or "pass") and a private RNG derived from the seeded one."""
        with self._lock:
            sub = random.Random(self.rng.getrandbits(64))
            if not self.still_injecting() or self.rng.random() >= self.rate:
                return "pass", sub
            if not self._bag:
                self._bag = list(self.kinds)
                self.rng.shuffle(self._bag)
            kind = self._bag.pop()
            self.faults += 1
            self.counts[kind] += 1
            return kind, sub

    def _record(self, record: Record) -> None:
        with self._lock:
            self.records.append(record)

    # -- connections --------------------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
            thread = threading.Thread(target=self._serve, args=(client,), name="fault-proxy-conn", daemon=True)
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _serve(self, client: socket.socket) -> None:
        upstream = Upstream(self.upstream)
        cfile = client.makefile("rb")
        try:
            while not self._stopped.is_set():
                if self.mode == "reset":
                    return
                try:
                    request = read_request(cfile)
                except (Closed, OSError, ValueError):
                    return
                if self.mode == "reset":  # switched while this kept-alive connection waited for a request
                    method, path = request.start_line.split()[:2]
                    self._record(Record("mode-reset", method, path))
                    return
                if self.mode == "error":
                    body = b'{"error":"unavailable","message":"proxy: servidor no disponible"}'
                    client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                    method, path = request.start_line.split()[:2]
                    self._record(Record("mode-error", method, path, status=503))
                    continue
                if not self._handle(client, upstream, request):
                    return
        finally:
            upstream.close()
            with contextlib.suppress(OSError):
                cfile.close()
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                client.close()
            with self._lock:
                self._clients.discard(client)

    def _handle(self, client: socket.socket, upstream: Upstream, request: Message) -> bool:
        """Forward one request with its fault; False when the client connection must be closed."""
        kind, rng = self._decide()
        method, path = request.start_line.split()[:2]
        record = Record(kind, method, path)
        try:
            if kind == "drop":
                self._record(record)
                return False
            if kind == "delay":
                delay = rng.uniform(0.01, MAX_DELAY)
                record.detail["delay"] = delay
                time.sleep(delay)
            if kind == "cut_request":
                raw = request.raw
                if request.body:
                    cut = len(request.head) + rng.randrange(len(request.body))
                else:
                    cut = rng.randrange(1, len(request.head))
                record.detail["sent"], record.detail["of"] = cut, len(raw)
                upstream.send_partial(raw[:cut])
                self._record(record)
                return False
            if kind == "duplicate":
                response = self._duplicate(upstream, request, record, rng)
            else:
                response = upstream.exchange(request)
            record.status, record.response = response.status, response.json()
            if kind == "cut_response":
                keep = rng.choice([0, rng.randrange(1, len(response.raw))])
                record.detail["sent"], record.detail["of"] = keep, len(response.raw)
                if keep:
                    client.sendall(response.raw[:keep])
                self._record(record)
                return False
            client.sendall(response.raw)
            self._record(record)
            return not response.closes
        except (OSError, Closed) as exc:
            record.detail["error"] = f"{type(exc).__name__}: {exc}"
            self._record(record)
            return False

    def _duplicate(self, upstream: Upstream, request: Message, record: Record, rng: random.Random) -> Message:
        with self._lock:
            self._duplicates += 1
            sequential = self._duplicates % 2 == 1  # alternate, so that a short run sees both
        if sequential:
            first = upstream.exchange(request)
            second = upstream.exchange(request)
        else:  # both at once, on two connections: the server must serialise them
            record.concurrent = True
            other = Upstream(self.upstream)
            results: dict[str, Message | BaseException] = {}

            def run(name: str, conn: Upstream) -> None:
                try:
                    results[name] = conn.exchange(request)
                except BaseException as exc:  # reported to the caller below
                    results[name] = exc

            threads = [threading.Thread(target=run, args=("a", upstream)),
                       threading.Thread(target=run, args=("b", other))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            other.close()
            for value in results.values():
                if isinstance(value, BaseException):
                    raise value
            a, b = results["a"], results["b"]
            assert isinstance(a, Message) and isinstance(b, Message)
            first, second = a, b
        record.duplicate_of, record.duplicate_status = first.json(), first.status
        return second
