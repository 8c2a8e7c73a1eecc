"""The whole system headless: the sync server (embedded PostgreSQL), HQ setup, an enrolled till that sells
offline, then syncs; summary.json gains what the master holds. Run by ``./scripts/demo --headless``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.demo import headless  # noqa: E402
from desktop.journal import read_models  # noqa: E402
from desktop.services import enrollment  # noqa: E402
from syncserver import tenancy  # noqa: E402
from syncserver.hq import auth as hq_auth  # noqa: E402

HQ_EMAIL, HQ_PASSWORD = "dueno@almacen.demo", "almacen-demo"
TENANT, STORE = 1, "demo-store"  # the identity `almacen pos init --demo` gives a till


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _almacen(*args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", *args], env=env, cwd=ROOT, text=True, check=True,
                          capture_output=capture)


def start_server(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = {**os.environ, "ALMACEN_DATA_DIR": str(data_dir), "ALMACEN_LOG_LEVEL": "WARNING"}
    log = open(data_dir.parent / "server.log", "wb")  # noqa: SIM115 - the server writes to it until stopped
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "server", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"el servidor terminó (código {proc.returncode}); vea {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, env
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"el servidor no respondió en 90 s; vea {log.name}")


def setup_hq(admin_url: str) -> str:
    """Tenant, store and a one-time enrollment code for the demo till."""
    async def go() -> str:
        async with psycopg_pool.AsyncConnectionPool(admin_url, min_size=1, max_size=2, open=False) as pool:
            async with pool.connection() as conn:
                exists = await (await conn.execute("SELECT 1 FROM auth_enrollment_codes LIMIT 1")).fetchone()
            if not exists:
                await tenancy.create_tenant(pool, TENANT, "Almacenes Don Pepe", "76.235.291-5")
                await tenancy.create_store(pool, TENANT, STORE, "Don Pepe Centro")
                await hq_auth.create_login(pool, TENANT, HQ_EMAIL, "Pepe (dueño)", HQ_PASSWORD)
            return await tenancy.issue_enrollment_code(pool, TENANT, STORE, "Caja demo")
    return asyncio.run(go())


def master_figures(admin_url: str, term: Any) -> dict[str, Any]:
    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        sales = conn.execute("SELECT count(*), COALESCE(sum(total), 0) FROM sales").fetchone()
        events = conn.execute("SELECT count(*) FROM events").fetchone()
        stock = dict(conn.execute("SELECT sku, quantity FROM stock WHERE warehouse_id = %s", (STORE,)).fetchall())
    local = {r[0]: read_models.stock_on_hand(term.journal.conn, r[0])
             for r in term.journal.conn.execute("SELECT sku FROM stock")}
    equal = all(Decimal(stock.get(sku, 0)) == qty for sku, qty in local.items()) and set(stock) <= set(local)
    assert sales is not None and events is not None
    return {"sales_in_master": sales[0], "total_in_master": int(sales[1]), "events_in_master": events[0],
            "stock_in_master_equals_terminal": equal}


def window(root: Path, port: int, extra: list[str]) -> int:
    """The POS window on the demo till, enrolled with a local server whose HQ pages stay open meanwhile."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    server, env = start_server(root / "demo-server", port)
    url = f"http://127.0.0.1:{port}"
    try:
        admin_url = _almacen("server", "db-url", env=env, capture=True).stdout.strip().splitlines()[-1]
        till = root / "demo-terminal"
        if not enrollment.key_path(till).exists():
            _almacen("pos", "enroll", url, setup_hq(admin_url), "--demo", "--data", str(till), env=env)
        print(f"HQ: {url}/hq/  usuario {HQ_EMAIL}, clave {HQ_PASSWORD}", flush=True)
        print("Usuarios de la caja: Ana (cajera) PIN 1234 · Marta (supervisora) PIN 9999 · Rosa (admin.) PIN 0000",
              flush=True)
        command = [sys.executable, "-m", "desktop", "pos", "run", "--data", str(till), *extra]
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
            print("No hay pantalla (DISPLAY): la caja se abre en un Xvfb virtual.", file=sys.stderr)
            command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command]
        return subprocess.run(command, cwd=ROOT, check=False).returncode
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="La tienda de demostración completa.")
    parser.add_argument("--headless", action="store_true", help="sin ventana: un cajero simulado vende y sincroniza")
    parser.add_argument("--port", type=int, default=8700, help="puerto del servidor en modo ventana")
    parser.add_argument("--var", default="var", help="carpeta de datos del modo ventana")
    parser.add_argument("--sales", type=int, default=50)
    parser.add_argument("--out", default="demo-out")
    parser.add_argument("--seed", type=int, default=2026)
    args, extra = parser.parse_known_args(argv)
    if not args.headless:
        return window(Path(args.var).absolute(), args.port, extra)
    out = Path(args.out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o755)  # the embedded PostgreSQL runs as the postgres user and must reach out/server
    port = _free_port()
    server, env = start_server(out / "server", port)
    try:
        admin_url = _almacen("server", "db-url", env=env, capture=True).stdout.strip().splitlines()[-1]
        code = setup_hq(admin_url)
        url = f"http://127.0.0.1:{port}"

        def enroll(data_dir: Path, terminal_id: str) -> tuple[int, str, str]:
            registered = enrollment.register(data_dir, url, code, terminal_id)
            return registered.tenant_id, registered.store_id, registered.server_url

        def after(term: Any, summary: dict[str, Any]) -> None:
            pending_before = term.sync.pending()
            status = term.sync.sync_once(term.journal.clock())
            rounds = 1
            while status.pending and rounds < 20:
                status = term.sync.sync_once(term.journal.clock())
                rounds += 1
            summary.update({"events_pushed": pending_before, "events_acknowledged": pending_before - status.pending,
                            "sync_online": status.online, "hq": url + "/hq/", "hq_login": HQ_EMAIL,
                            **master_figures(admin_url, term)})

        summary = headless.run(out, sales=args.sales, seed_value=args.seed, enroll=enroll, after=after)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0 if summary.get("stock_in_master_equals_terminal") and summary["sales_in_master"] == summary["sales"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
