"""Power loss of a selling till: writes not yet fsynced are lost, and no acknowledged sale may be.

No file system that drops unsynced writes (Jepsen's lazyfs) is packaged here, so this proof rebuilds what such a
file system would leave, from a trace: the worker (``crash_worker``) runs under ``strace -f`` recording every
``openat``, ``pwrite64``/``write``, ``ftruncate``, ``fsync``/``fdatasync``, ``unlink`` and ``rename`` of the
process with the bytes written, and its ``ACK`` lines (writes to standard output) in the same order. Replaying
the trace gives, at any point, each file's content as of its last fsync. A power cut at a random point after the
worker began selling is then materialised in a fresh folder, either losing every write not yet fsynced (lazyfs's
``clear-cache``) or keeping a random prefix of each file's unsynced writes (the disk wrote some of its cache, in
order), and the till is opened there as after a reboot: every sale ACKed before the cut must be in the journal,
the chain verifies, numbers have no gap. Limits are in ``docs/proofs.md``.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from proofs import crashes
from proofs.crashes import Report

ROOT = Path(__file__).resolve().parents[1]
SYSCALLS = "openat,open,creat,close,write,pwrite64,writev,pwritev,pwritev2,ftruncate,fsync,fdatasync,unlink," \
           "unlinkat,rename,renameat,renameat2,dup,dup2,dup3"
LINE = re.compile(r"^(?P<pid>\d+) +(?P<call>\w+)\((?P<args>.*)\) += (?P<ret>-?\d+|\?)")
STRING = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')


class TraceError(RuntimeError):
    """The trace holds a call this replay does not model (the proof would not be sound): its line."""


def strace() -> str | None:
    """The path of ``strace``, or None when the machine has none (``scripts/setup --test`` installs it)."""
    return shutil.which("strace")


@dataclass
class Op:
    """One traced call that matters for durability, in completion order."""

    kind: str  # "write", "truncate", "sync", "create", "unlink", "rename" (path to target), "ack", "start"
    path: str = ""
    offset: int = 0
    data: bytes = b""
    size: int = 0
    target: str = ""
    sale: tuple[str, int] | None = None


@dataclass
class Trace:
    ops: list[Op] = field(default_factory=list)
    start: int = -1  # index of the START line: cuts are taken after it


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text.replace("\\x", ""))


def _join_unfinished(lines: list[str]) -> list[str]:
    """Merge ``<unfinished ...>`` calls with their ``<... resumed>`` halves (threads interleave under -f)."""
    pending: dict[str, str] = {}
    out: list[str] = []
    for line in lines:
        pid = line.split(" ", 1)[0]
        if line.endswith("<unfinished ...>"):
            pending[pid] = line[: -len("<unfinished ...>")].rstrip()
            continue
        match = re.match(r"^(\d+) +<\.\.\. \w+ resumed>(.*)$", line)
        if match:
            head = pending.pop(match.group(1), None)
            if head is None:
                continue
            line = head + match.group(2)
        out.append(line)
    return out


def parse(path: Path, data_dir: Path) -> Trace:
    """The durability-relevant calls on files under ``data_dir`` and the worker's report lines, in order.

    Raises: TraceError on a write to a journal file this replay cannot place (``write`` without offset,
    ``pwritev``, a ``dup`` of a journal descriptor).
    """
    root = str(data_dir.absolute()) + "/"
    fds: dict[tuple[str, int], str] = {}  # (pid, fd) -> path (threads share fds: keyed by the traced process)
    trace = Trace()
    stdout = b""
    for line in _join_unfinished(path.read_text(errors="replace").splitlines()):
        m = LINE.match(line)
        if m is None or m.group("ret") == "?":
            continue
        call, args, ret = m.group("call"), m.group("args"), int(m.group("ret"))
        if ret < 0:
            continue
        proc = "p"  # one process: the worker and its threads share one descriptor table
        if call in ("openat", "open", "creat"):
            name = STRING.search(args)
            if name is None:
                continue
            file = _bytes(name.group(1)).decode()
            if file.startswith(root):
                fds[(proc, ret)] = file
                trace.ops.append(Op("create", file))
            else:
                fds.pop((proc, ret), None)
        elif call == "close":
            fds.pop((proc, int(args.split(",")[0])), None)
        elif call in ("dup", "dup2", "dup3"):
            if (proc, int(args.split(",")[0])) in fds:
                raise TraceError(line[:200])
        elif call in ("write", "pwrite64", "writev", "pwritev", "pwritev2"):
            fd = int(args.split(",")[0])
            if fd == 1 and call == "write":
                text = STRING.search(args)
                assert text is not None
                stdout += _bytes(text.group(1))[:ret]
                while b"\n" in stdout:
                    report, stdout = stdout.split(b"\n", 1)
                    parts = report.decode().split()
                    if parts and parts[0] == "ACK":
                        trace.ops.append(Op("ack", sale=(parts[1], int(parts[2]))))
                    elif parts and parts[0] == "START" and trace.start < 0:
                        trace.start = len(trace.ops)
                        trace.ops.append(Op("start"))
                continue
            target = fds.get((proc, fd))
            if target is None:
                continue
            if call != "pwrite64":
                raise TraceError(line[:200])
            text = STRING.search(args)
            assert text is not None
            offset = int(args.rsplit(",", 1)[1])
            trace.ops.append(Op("write", target, offset=offset, data=_bytes(text.group(1))[:ret]))
        elif call == "ftruncate":
            fd, size = (int(x) for x in args.split(","))
            if (proc, fd) in fds:
                trace.ops.append(Op("truncate", fds[(proc, fd)], size=size))
        elif call in ("fsync", "fdatasync"):
            fd = int(args)
            if (proc, fd) in fds:
                trace.ops.append(Op("sync", fds[(proc, fd)]))
        elif call in ("unlink", "unlinkat"):
            name = STRING.search(args)
            if name is not None and _bytes(name.group(1)).decode().startswith(root):
                trace.ops.append(Op("unlink", _bytes(name.group(1)).decode()))
        elif call in ("rename", "renameat", "renameat2"):
            names = [_bytes(n).decode() for n in STRING.findall(args)]
            if any(n.startswith(root) for n in names):
                if len(names) != 2 or not all(n.startswith(root) for n in names):
                    raise TraceError(line[:200])
                trace.ops.append(Op("rename", names[0], target=names[1]))
                for key, file in list(fds.items()):
                    if file == names[0]:
                        fds[key] = names[1]
    return trace


def _apply(content: bytearray, op: Op) -> None:
    if op.kind == "write":
        end = op.offset + len(op.data)
        if len(content) < op.offset:
            content.extend(b"\0" * (op.offset - len(content)))
        content[op.offset:end] = op.data
    elif op.kind == "truncate":
        del content[op.size:]
        if len(content) < op.size:
            content.extend(b"\0" * (op.size - len(content)))


@dataclass
class Cut:
    """The files a power cut leaves, and the sales acknowledged before it."""

    files: dict[str, bytes]
    acked: dict[str, int]
    mode: str


def cuts(trace: Trace, points: list[int], rng: random.Random) -> list[Cut]:
    """Replay ``trace`` once; at each index in ``points`` (sorted) the state a power cut there leaves.

    A file's durable content is its content at its last fsync; "drop" keeps only that, "prefix" also applies a
    random prefix of the writes since (in order). Files created but never synced are left empty (their
    directory entry is assumed durable: SQLite syncs the directory when it creates its files).
    """
    current: dict[str, bytearray] = {}
    durable: dict[str, bytes] = {}
    unsynced: dict[str, list[Op]] = {}
    acked: dict[str, int] = {}
    out: list[Cut] = []
    targets = iter(sorted(points))
    target = next(targets, None)
    for index in range(len(trace.ops) + 1):
        while target is not None and target == index:
            mode = rng.choice(("drop", "prefix"))
            files = {}
            for path, base in durable.items():
                content = bytearray(base)
                if mode == "prefix":
                    ops = unsynced.get(path, [])
                    for later in ops[:rng.randint(0, len(ops))]:
                        _apply(content, later)
                files[path] = bytes(content)
            out.append(Cut(files, dict(acked), mode))
            target = next(targets, None)
        if index == len(trace.ops):
            break
        op = trace.ops[index]
        if op.kind == "create":
            current.setdefault(op.path, bytearray())
            durable.setdefault(op.path, b"")
            unsynced.setdefault(op.path, [])
        elif op.kind in ("write", "truncate"):
            _apply(current.setdefault(op.path, bytearray()), op)
            unsynced.setdefault(op.path, []).append(op)
        elif op.kind == "sync":
            durable[op.path] = bytes(current.get(op.path, b""))
            unsynced[op.path] = []
        elif op.kind == "rename":  # durable at once (the journal's creation syncs the folder after it)
            if op.path in current:
                current[op.target] = current.pop(op.path)
            if op.path in durable:
                durable[op.target] = durable.pop(op.path)
            if op.path in unsynced:
                unsynced[op.target] = unsynced.pop(op.path)
        elif op.kind == "unlink":
            current.pop(op.path, None)
            durable.pop(op.path, None)
            unsynced.pop(op.path, None)
        elif op.kind == "ack":
            assert op.sale is not None
            acked[op.sale[0]] = op.sale[1]
    return out


def traced_run(data: Path, seed: int, seconds: float, trace_file: Path, *, synchronous: str | None = None) -> None:
    """Run the worker on a fresh ``data`` under strace for about ``seconds`` after START, then SIGKILL it."""
    tool = strace()
    if tool is None:
        raise TraceError("strace no está instalado (scripts/setup --test lo instala)")
    cmd = [tool, "-f", "-qq", "-xx", "-s", "70000", "-e", f"trace={SYSCALLS}", "-o", str(trace_file),
           sys.executable, "-m", "proofs.crash_worker", str(data), str(seed)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 **({"ALMACEN_PROOF_SYNCHRONOUS": synchronous} if synchronous else {})})
    assert proc.stdout is not None
    with proc.stdout:
        first = proc.stdout.readline().split()
        if not first or first[0] != "START":
            proc.kill()
            proc.wait()
            raise TraceError(f"the traced worker did not start: {first}")
        time.sleep(seconds)
        os.kill(int(first[1]), signal.SIGKILL)  # the worker, not strace: strace then writes the rest and exits
        proc.stdout.read()
    proc.wait(60)


def check_cut(cut: Cut, data: Path, folder: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """Lay the cut's files in ``folder`` (as they were under ``data``) and open the till there."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path, content in cut.files.items():
        if path.endswith("-shm"):
            continue  # the WAL index is rebuilt from the WAL by the first connection after a reboot
        (folder / Path(path).relative_to(data)).write_bytes(content)
    return crashes.check(folder, cut.acked, [])


def run_cuts(total: int, seed: int, *, per_run: int = 100, seconds: float = 1.5, synchronous: str | None = None
             ) -> Report:
    """``total`` power cuts taken ``per_run`` at a time from traced runs of a selling till (``synchronous``: the
    journal's pragma overridden, for the negative control)."""
    rng = random.Random(seed)
    report = Report()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="almacen-powerloss-"))
    try:
        while report.kills < total:
            run = report.counts["runs"]
            data, trace_file = work / f"till{run}", work / f"trace{run}.txt"
            traced_run(data, rng.getrandbits(32), seconds, trace_file, synchronous=synchronous)
            trace = parse(trace_file, data)
            report.counts["runs"] += 1
            report.counts["acks traced"] += sum(1 for op in trace.ops if op.kind == "ack")
            report.counts["fsyncs traced"] += sum(1 for op in trace.ops if op.kind == "sync")
            if trace.start < 0:
                report.problems.append(f"run {run}: no START in the trace")
                continue
            n = min(per_run, total - report.kills)
            points = sorted(rng.randrange(trace.start + 1, len(trace.ops) + 1) for _ in range(n))
            for cut in cuts(trace, points, rng):
                lost, problems = check_cut(cut, data, work / "cut")
                report.kills += 1
                report.counts[cut.mode] += 1
                report.acked += len(cut.acked)
                report.lost += lost
                report.problems += [f"run {run} ({cut.mode}): {p}" for p in problems]
            trace_file.unlink()
            shutil.rmtree(data, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report
