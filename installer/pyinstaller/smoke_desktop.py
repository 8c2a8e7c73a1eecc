"""The till bundle's smoke test (scripts/smoke-desktop): a real server, the bundle enrolled against it, one sale.

Starts ``almacen server`` from the project's .venv (its own PostgreSQL in a temporary folder, loopback, a free
port), creates a business, a store and an enrolment code with ``almacen server admin``; then only the bundle
(``dist/almacen/almacen``, offscreen, its own Python and Qt): ``pos enroll URL CODE --demo``, ``--smoke-sale``
(the main window drawn, one sale paid, one sync round: :mod:`bundle_smoke`), ``dte pdf`` of a sample factura
(with the bundle's DejaVu fonts), ``pos verify``. Passes when the master holds the sale with its total. Prints the
figures as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "almacen" / "almacen"
VENV_ALMACEN = ROOT / ".venv" / "bin" / "almacen"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"FALLÓ ({done.returncode}): {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main(keep: bool = False) -> int:
    if not BUNDLE.exists():
        print(f"No está {BUNDLE}: ejecute ./scripts/build-desktop primero", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="almacen-smoke-"))
    work.chmod(0o711)  # as root the server runs its PostgreSQL as postgres, who must reach work/server/pg
    port = _free_port()
    server_env = dict(os.environ, ALMACEN_DATA_DIR=str(work / "server"), ALMACEN_PORT=str(port),
                      ALMACEN_LOG_LEVEL="WARNING")
    server_env.pop("ALMACEN_DATABASE_URL", None)
    till_env = {k: v for k, v in os.environ.items() if not k.startswith(("ALMACEN_", "PYTHON", "VIRTUAL_ENV"))}
    till_env |= {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}  # nothing from the project's toolchain
    started = time.perf_counter()
    server = subprocess.Popen([str(VENV_ALMACEN), "server", "--port", str(port)], env=server_env,
                              stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "wb"))  # noqa: SIM115
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/health", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("el servidor terminó:\n" + (work / "server.log").read_text()) from None
                time.sleep(0.2)
        server_ready = time.perf_counter()
        admin = [str(VENV_ALMACEN), "server", "admin"]
        _run([*admin, "tenant-add", "1", "Almacén Humo"], server_env)
        _run([*admin, "store-add", "1", "local1", "Local 1"], server_env)
        code = _run([*admin, "enroll-code", "1", "local1", "Caja 1"], server_env).strip().splitlines()[-1]
        data, out = work / "till", work / "out"
        till_started = time.perf_counter()
        _run([str(BUNDLE), "pos", "enroll", url, code, "--demo", "--data", str(data)], till_env)
        _run([str(BUNDLE), "--smoke-sale", str(data), str(out)], till_env)
        sample = ROOT / "tests" / "data" / "sii" / "samples" / "enviodte_T33_cert_76235291-5_F13.xml"
        _run([str(BUNDLE), "dte", "pdf", str(sample), "--out", str(out / "pdf")], till_env)  # reportlab + fonts
        pdfs = sorted((out / "pdf").glob("*.pdf"))
        verified = _run([str(BUNDLE), "pos", "verify", "--data", str(data)], till_env)
        till_done = time.perf_counter()
        report = json.loads((out / "smoke.json").read_text("utf-8"))
        terminals = json.loads(_run([*admin, "terminals", "1"], server_env))
        db_url = _run([str(VENV_ALMACEN), "server", "db-url"], server_env).strip()
        import psycopg

        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT count(*), coalesce(sum(total), 0) FROM sales WHERE tenant_id = 1").fetchone()
        assert row is not None
        figures = {
            "sale": report["sale"], "sync": report["sync"], "qt_platform": report["qt_platform"],
            "journal_events": report["journal_events"],
            "pdf_fonts": report["pdf_fonts"], "pdfs": [p.name for p in pdfs],
            "verify": json.loads(verified.strip().splitlines()[-1]),  # `pos verify`'s JSON line
            "master_sales": row[0], "master_total": row[1], "terminals": terminals,
            "server_start_s": round(server_ready - started, 1), "till_s": round(till_done - till_started, 1),
            "bundle_mb": round(sum(p.stat().st_size for p in BUNDLE.parent.rglob("*")
                                   if p.is_file() and not p.is_symlink()) / 2**20, 1),
        }
        print(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
        sale = report["sale"]
        in_bundle = Path(report["pdf_fonts"]).is_relative_to(BUNDLE.parent)
        ok = (in_bundle and len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
              and report["sync"] == {"online": True, "pending": 0} and figures["verify"]["verified"] is True
              and sale is not None and row[0] == 1
              and row[1] == sale["total"])
        shutil.copy(out / "window.png", ROOT / "dist" / "smoke-window.png")
        print("smoke: OK" if ok else "smoke: FALLÓ", file=sys.stderr)
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait(timeout=60)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(keep="--keep" in sys.argv))
