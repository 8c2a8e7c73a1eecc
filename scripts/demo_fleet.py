"""The whole system headless: the local SII stand-in, the sync server (embedded PostgreSQL) sending to it, HQ
setup (emisor data, signing certificate, CAFs issued by the stand-in), an enrolled till that pulls its folios, sells
offline (boletas, facturas, returns with notas de crédito), then syncs; the server signs and sends every document
and the stand-in gives its verdict; the owner then issues a nota de débito on a factura in HQ, sent the same way.
summary.json gains what the master holds and the documents by state; ``dte/`` holds every envelope as uploaded,
``pdf/`` the facturas and notas. The store's manager works its back office at the till too
(``desktop.demo.headless``); summary.json says whether the master's stock per warehouse, cost state and kardex equal
the till's, and the store's stock value at cost on both sides. Run by ``./scripts/demo --headless``. ``books/``
holds the month's libro de ventas, libro de compras and IVA summary as HQ «Libros» exports them. The owner accepts
the supplier's factura in HQ «Compras» (ACD in the SII's Registro de Reclamos, through the stand-in): summary.json's
``supplier_answer`` carries its state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop import settings as settings_mod  # noqa: E402
from desktop import terminal as terminal_mod  # noqa: E402
from desktop.demo import catalog_data, headless, seed  # noqa: E402
from desktop.journal import fiado_queries, read_models  # noqa: E402
from desktop.services import enrollment  # noqa: E402
from shared import fiado, inventory  # noqa: E402
from syncserver import sii_standin  # noqa: E402
from syncserver.sii import standin_caf  # noqa: E402

HQ_EMAIL, HQ_PASSWORD = "dueno@almacen.demo", "almacen-demo"
TENANT, STORE = 1, "demo-store"  # the identity `almacen pos init --demo` gives a till
COMPANY_RUT, COMPANY = "76.235.291-5", "Almacenes Don Pepe"
CAF_RANGES = {39: (1, 5000), 41: (1, 500), 33: (1, 500), 34: (1, 200), 56: (1, 100), 61: (1, 500)}
EMISOR = ["--razon-social", "Almacenes Don Pepe SpA", "--giro", "Venta al por menor en almacenes de barrio",
          "--acteco", "471100", "--direccion", "Av. Providencia 1234", "--comuna", "Providencia",
          "--ciudad", "Santiago", "--resolucion-fecha", "2024-03-15", "--resolucion-numero", "0",
          "--unidad-sii", "SANTIAGO ORIENTE"]
CERT_PASSWORD = "firma-demo"
CHILE = ZoneInfo("America/Santiago")


class StandinThread:
    """The SII stand-in served by uvicorn in a thread of this process, with its own CAF issuer."""

    def __init__(self, out: Path) -> None:
        import uvicorn
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        (out / "sii").mkdir(exist_ok=True)
        issuer_file = out / "sii" / "standin_issuer_key.pem"  # kept, so CAFs issued in an earlier run stay valid
        if issuer_file.exists():
            key = serialization.load_pem_private_key(issuer_file.read_bytes(), None)
            assert isinstance(key, rsa.RSAPrivateKey)
            self.issuer = standin_caf.StandinIssuer(key)
        else:
            self.issuer = standin_caf.StandinIssuer.generate()
            issuer_file.write_bytes(self.issuer.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.standin = sii_standin.StandIn()
        self.standin.keys.update(self.issuer.keys())
        for known in sorted((out / "sii").glob("caf_T*.xml")):
            self.standin.register_caf(known.read_bytes())
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(sii_standin.create_app(self.standin), host="127.0.0.1", port=self.port,
                                log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="sii-standin", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("el simulador del SII no arrancó")
            time.sleep(0.05)
        self.key_file = out / "sii" / "standin_caf_key.pem"
        self.key_file.write_bytes(self.issuer.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    def issue_cafs(self, out: Path) -> list[Path]:
        """One CAF per document type for the demo company, registered with the stand-in (as the SII knows the CAFs
        it authorised) and written to ``out/sii/`` for HQ to import."""
        paths = []
        for tipo, (desde, hasta) in CAF_RANGES.items():
            data = self.issuer.issue(rut=COMPANY_RUT, razon_social=COMPANY, tipo=tipo, desde=desde, hasta=hasta,
                                     fa=date.today())
            self.standin.register_caf(data)
            path = out / "sii" / f"caf_T{tipo}_F{desde}-{hasta}.xml"
            path.write_bytes(data)
            paths.append(path)
        return paths

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _almacen(*args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop", *args], env=env, cwd=ROOT, text=True, check=True,
                          capture_output=capture)


def start_server(data_dir: Path, port: int, extra_env: dict[str, str] | None = None
                 ) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = {**os.environ, "ALMACEN_DATA_DIR": str(data_dir), "ALMACEN_LOG_LEVEL": "WARNING", **(extra_env or {})}
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


DEMO_POS_USERS = tuple((name, role.value, pin) for _id, name, role, pin in seed.DEMO_USERS)
"""``(name, role, PIN)`` of the till's users HQ creates: Ana, Pedro, Marta and Rosa with the README's PINs."""
CATALOG_CSV = ROOT / "desktop" / "demo" / "catalog.csv"


def setup_business(env: dict[str, str], admin_url: str, folder: Path) -> str:
    """The demo business created as an owner would, through ``almacen server admin`` (the services HQ calls too):
    the company and its owner's HQ account, the store, the catalog imported from the CSV the demo ships, the till's
    users with their PINs, the emisor and certificate; returns a one-time code for the till."""
    folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(admin_url) as conn:
        exists = conn.execute("SELECT 1 FROM tenants WHERE tenant_id = %s", (TENANT,)).fetchone()
    if not exists:
        secret = folder / "hq-owner.clave"
        secret.write_text(HQ_PASSWORD + "\n", "utf-8")
        _almacen("server", "admin", "tenant-create", COMPANY, "--rut", COMPANY_RUT, "--correo", HQ_EMAIL,
                 "--dueno", "Pepe (dueño)", "--id", str(TENANT), "--password-file", str(secret), env=env,
                 capture=True)
        _almacen("server", "admin", "store-add", str(TENANT), STORE, "Don Pepe Centro", "--direccion",
                 "Av. Providencia 1234", "--comuna", "Providencia", "--ciudad", "Santiago", "--bodega", env=env,
                 capture=True)
        _almacen("server", "admin", "catalog-import", str(TENANT), str(CATALOG_CSV), env=env, capture=True)
        for name, role, pin in DEMO_POS_USERS:
            secret.write_text(pin + "\n", "utf-8")
            _almacen("server", "admin", "pos-user-add", str(TENANT), name, "--rol", role, "--tienda", STORE,
                     "--pin-file", str(secret), env=env, capture=True)
        secret.unlink()
        setup_dte(env, folder)
    code = _almacen("server", "admin", "enroll-code", str(TENANT), STORE, "Caja demo", env=env, capture=True)
    return code.stdout.strip().splitlines()[-1]


def count_opening_stock(till: Path) -> None:
    """The demo till's first-day shelf count (``catalog.csv``'s stock column), journaled at the till as
    ``stock.adjusted`` (apertura); it reaches the master with the till's next push."""
    term = terminal_mod.build(settings_mod.load(till))
    try:
        seed.load_stock(term, catalog_data.load_demo_rows())
    finally:
        term.close()


def setup_dte(env: dict[str, str], folder: Path) -> None:
    """The emisor's data and signing certificate in HQ, as an owner would enter them (files kept in ``folder``)."""
    _almacen("server", "admin", "emisor-set", str(TENANT), *EMISOR, env=env, capture=True)
    pfx, password = folder / "firma_demo.pfx", folder / "firma_demo.clave"
    pfx.write_bytes(standin_caf.demo_certificate("13.185.095-6", CERT_PASSWORD, holder="Pepe Pérez (demo)"))
    password.write_text(CERT_PASSWORD + "\n", "utf-8")
    _almacen("server", "admin", "cert-upload", str(TENANT), str(pfx), "--password-file", str(password), env=env,
             capture=True)


def wait_for_verdicts(admin_url: str, seconds: float = 120) -> bool:
    """Wait until the server's scheduler has taken every document to the SII's verdict."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with psycopg.connect(admin_url) as conn, conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
            row = conn.execute("SELECT count(*) FILTER (WHERE state IN ('issued', 'signed', 'sent')), count(*)"
                               " FROM dte_outbox").fetchone()
        assert row is not None
        if row[1] and not row[0]:
            return True
        time.sleep(0.5)
    return False


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


def inventory_figures(admin_url: str, term: Any) -> dict[str, Any]:
    """The master's back-office read models against the till's, computed from both sides' rows: the stock of every
    warehouse of the store, each product's cost state (``shared.inventory.CostState``) and each product's kardex in
    order; the
    store's value at cost as HQ's Stock page totals it (``syncserver.store.inventory.stock_in``)."""
    from syncserver.store import inventory as hq_inventory

    milli = Decimal(1000)
    conn = term.journal.conn
    till_stock = {(STORE, sku): Decimal(q) / milli for sku, q in conn.execute("SELECT sku, quantity FROM stock")}
    till_stock.update({(w, sku): Decimal(q) / milli for w, sku, q in conn.execute(
        "SELECT warehouse_id, sku, quantity FROM warehouse_stock")})
    till_costs = {sku: inventory.CostState.from_json(state)
                  for sku, state in conn.execute("SELECT sku, state FROM cost_state")}
    till_kardex = [(w, sku, kind, Decimal(q) / milli, Decimal(b) / milli, uc, v, doc, ref, who)
                   for w, sku, kind, q, b, uc, v, doc, ref, who in conn.execute(
                       "SELECT warehouse, sku, kind, quantity, balance, unit_cost, value, document, reference, who"
                       " FROM kardex ORDER BY sku, id")]
    with psycopg.connect(admin_url) as pg, pg.transaction():
        pg.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        warehouses = {r[0] for r in pg.execute("SELECT warehouse_id FROM warehouses WHERE store_id = %s",
                                               (STORE,)).fetchall()} | {STORE}
        master_stock = {(w, sku): q for w, sku, q in pg.execute("SELECT warehouse_id, sku, quantity FROM stock")
                        if w in warehouses}
        master_costs = {sku: inventory.CostState.from_json(state) for sku, state in pg.execute(
            "SELECT sku, state FROM cost_state WHERE store_id = %s", (STORE,))}
        master_kardex = [(w, sku, kind, q, b, int(uc), int(v), doc, ref, who)
                         for w, sku, kind, q, b, uc, v, doc, ref, who in pg.execute(
                             "SELECT warehouse_id, sku, kind, quantity, balance, unit_cost, value, document,"
                             " reference, who FROM kardex WHERE store_id = %s ORDER BY sku, pos", (STORE,))]

    async def hq_value() -> int:
        async with await psycopg.AsyncConnection.connect(admin_url) as aconn, aconn.transaction():
            await aconn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
            _page, totals = await hq_inventory.stock_in(aconn, TENANT, stores=[STORE], limit=0)
            return totals[0].value

    never = inventory.CostState()

    def nonzero(stock: dict[tuple[str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
        return {k: q for k, q in stock.items() if q != 0}

    return {"stock_per_warehouse_equal": nonzero(master_stock) == nonzero(till_stock),
            "costs_equal": bool(till_costs) and all(  # a product never costed: no state, or the empty state
                master_costs.get(sku, never) == till_costs.get(sku, never)
                for sku in set(master_costs) | set(till_costs)),
            "kardex_equal": bool(till_kardex) and master_kardex == till_kardex,
            "kardex_rows_in_master": len(master_kardex), "stock_value_at_cost_in_hq": asyncio.run(hq_value())}


def fiado_figures(admin_url: str, term: Any) -> dict[str, Any]:
    """The fiado at the master against the till's: ``fiado_balances_equal`` when every customer's balance at the
    master equals the sum of its entries there (its aliases' included), the till's balance after its last pull and
    ``shared.fiado.fold`` of the till's journal; ``customers_with_balance_in_master`` (owing or with saldo a
    favor)."""
    journal = term.journal
    made = [x for e in journal.read() for x in fiado.entries(e, journal.codec.decode(e.type, e.version, e.payload))]
    with psycopg.connect(admin_url) as pg, pg.transaction():
        pg.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        balances = {str(c): int(b) for c, b in pg.execute(
            "SELECT customer_id, balance FROM fiado_balances WHERE tenant_id = %s", (TENANT,)).fetchall()}
        sums = {str(c): int(b) for c, b in pg.execute(
            "SELECT COALESCE(a.customer_id, e.customer_id), sum(e.amount) FROM fiado_entries e"
            " LEFT JOIN customer_aliases a ON a.tenant_id = e.tenant_id AND a.alias_id = e.customer_id"
            " WHERE e.tenant_id = %s GROUP BY 1", (TENANT,)).fetchall()}
        aliases = {str(a): str(c) for a, c in pg.execute(
            "SELECT alias_id, customer_id FROM customer_aliases WHERE tenant_id = %s", (TENANT,)).fetchall()}
    ledger = fiado.fold(made, aliases)
    customers = set(balances) | set(sums) | set(ledger.accounts)
    till = {c: fiado_queries.account(journal.conn, c).balance for c in customers}
    equal = bool(made) and all(balances.get(c, 0) == sums.get(c, 0) == till[c] == ledger.balance(c) for c in customers)
    return {"fiado_balances_equal": equal,
            "customers_with_balance_in_master": sum(1 for b in balances.values() if b)}


STATE_NAMES = {"issued": "emitido", "signed": "firmado", "sent": "enviado", "accepted": "aceptado",
               "accepted_objections": "aceptado_con_reparos", "rejected": "rechazado"}


def export_documents(admin_url: str, out: Path) -> dict[str, Any]:
    """``out/dte/``: every envelope exactly as uploaded to the SII; ``out/pdf/``: facturas and notas de crédito as
    the customer receives them. Returns the documents by type and state for summary.json."""
    from shared.dte import pdf as dte_pdf
    from syncserver.hq import pdf_reportlab

    (out / "dte").mkdir(exist_ok=True)
    (out / "pdf").mkdir(exist_ok=True)
    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        envelopes = conn.execute("SELECT envelope_id, kind, state, track_id, xml FROM dte_envelopes"
                                 " ORDER BY envelope_id").fetchall()
        states = conn.execute("SELECT tipo, state, count(*) FROM dte_outbox GROUP BY tipo, state").fetchall()
        printable = conn.execute("SELECT tipo, folio, xml FROM dte_outbox WHERE tipo IN (33, 34, 56, 61)"
                                 " AND xml IS NOT NULL ORDER BY tipo, folio").fetchall()
        resolution = conn.execute("SELECT resolucion_numero, resolucion_fecha, unidad_sii"
                                  " FROM tenant_emisor").fetchone()
    for envelope_id, kind, _state, track_id, xml in envelopes:
        name = f"{envelope_id:04d}_{kind}" + (f"_track{track_id}" if track_id else "") + ".xml"
        (out / "dte" / name).write_bytes(bytes(xml))
    res = (int(resolution[0]), resolution[1].year) if resolution and resolution[1] else None
    for tipo, folio, xml in printable:
        (out / "pdf" / f"T{tipo}_F{folio}.pdf").write_bytes(dte_pdf.render_pdf(
            bytes(xml), backend=pdf_reportlab.ReportlabBackend(), resolucion=res,
            unidad_sii=(resolution[2] or None) if resolution else None))
    by_state: dict[str, int] = {}
    by_type: dict[str, dict[str, int]] = {}
    for tipo, state, count in states:
        name = STATE_NAMES.get(state, state)
        by_state[name] = by_state.get(name, 0) + count
        by_type.setdefault(str(tipo), {})[name] = count
    return {"documents_by_state": by_state, "documents_by_type": by_type, "envelopes_sent": len(envelopes),
            "pdfs": len(printable)}


_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
_ISSUED = re.compile(r"corregido=56:([0-9]+):")


def issue_debit_note(url: str, admin_url: str) -> dict[str, Any]:
    """One nota de débito through HQ's own path, as the owner would: «Documentos», the first factura the SII
    accepted, «Emitir nota de débito» with interest and a freight charge, confirmed with the password; the server's
    scheduler signs it and sends it like any document. Returns its folio and the factura for summary.json (None when
    the demo sold no factura)."""
    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        row = conn.execute("SELECT folio FROM dte_outbox WHERE tipo = 33 AND state = 'accepted'"
                           " ORDER BY folio LIMIT 1").fetchone()
    if row is None:
        return {"nota_debito": None}
    form = f"/hq/documentos/33/{row[0]}/nota-debito"
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/hq/login")
        match = _CSRF_FIELD.search(page.text)
        assert match, "HQ's login page has no CSRF field"
        signed_in = client.post("/hq/login", data={"csrf": match.group(1), "email": HQ_EMAIL,
                                                   "password": HQ_PASSWORD})
        assert signed_in.status_code == 303, signed_in.text[-500:]
        page = client.get(form)
        match = _CSRF_FIELD.search(page.text)
        assert page.status_code == 200 and match, page.text[-500:]
        done = client.post(form, data={
            "csrf": match.group(1), "password": HQ_PASSWORD, "concepto_1": "intereses", "monto_1": "1.500",
            "concepto_2": "flete", "detalle_2": "Despacho a domicilio", "monto_2": "3.000",
            "motivo": "Intereses por pago atrasado y despacho"})
        issued = _ISSUED.search(done.headers.get("location", ""))
        assert done.status_code == 303 and issued, done.text[-500:]
    return {"nota_debito": {"folio": int(issued.group(1)), "factura": int(row[0])}}


def debit_note_state(admin_url: str, summary: dict[str, Any]) -> None:
    """The SII's verdict on the demo's nota de débito, into ``summary["nota_debito"]["state"]``."""
    note = summary.get("nota_debito")
    if not note:
        return
    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        row = conn.execute("SELECT state FROM dte_outbox WHERE tipo = 56 AND folio = %s", (note["folio"],)).fetchone()
    note["state"] = STATE_NAMES.get(row[0], row[0]) if row else None


def answer_supplier(url: str, admin_url: str, standin: sii_standin.StandIn) -> dict[str, Any]:
    """HQ accepts the supplier's factura the manager typed in (ACD in the SII's Registro de Reclamos, through the
    stand-in, which received it from the supplier yesterday): the owner posts HQ «Compras»'s form, as in the browser.
    Returns the answer's state as the master keeps it, for summary.json (docs/supplier-answers.md)."""
    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        row = conn.execute("SELECT supplier_rut, fecha_emision FROM purchases WHERE tenant_id = %s AND tipo = 33"
                           " AND folio = %s", (TENANT, headless.SUPPLIER_FACTURA)).fetchone()
    if row is None:
        return {"supplier_answer": None}
    supplier_rut, issued = row
    standin.reclamos.receive(supplier_rut, 33, headless.SUPPLIER_FACTURA, COMPANY_RUT.replace(".", ""),
                             datetime.now(UTC) - timedelta(days=1))
    month = f"{issued:%Y-%m}"
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/hq/login")
        match = _CSRF_FIELD.search(page.text)
        assert match, "HQ's login page has no CSRF field"
        client.post("/hq/login", data={"csrf": match.group(1), "email": HQ_EMAIL, "password": HQ_PASSWORD})
        page = client.get("/hq/compras", params={"mes": month})
        match = _CSRF_FIELD.search(page.text)
        assert match, "HQ's Compras page has no form"
        sent = client.post("/hq/compras/respuesta", data={
            "csrf": match.group(1), "rut": supplier_rut, "tipo": "33", "folio": str(headless.SUPPLIER_FACTURA),
            "accion": "ACD", "motivo": "Mercadería y precios conformes", "mes": month})
        assert sent.status_code == 303, sent.text[-500:]

    async def kept() -> dict[str, Any]:
        from syncserver.store import supplier_answers

        async with await psycopg.AsyncConnection.connect(admin_url) as aconn, aconn.transaction():
            await aconn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
            key = (supplier_rut, 33, headless.SUPPLIER_FACTURA)
            found = (await supplier_answers.standings(aconn, TENANT, [(*key, issued)],
                                                      datetime.now(CHILE).date()))[key]
        last = found.last
        return {"supplier": supplier_rut, "tipo": 33, "folio": headless.SUPPLIER_FACTURA, "state": found.state,
                "label": found.label, "deadline": found.deadline.isoformat() if found.deadline else None,
                "action": last.action if last else None, "sii_code": last.code if last else None,
                "sii_message": last.message if last else None}

    return {"supplier_answer": asyncio.run(kept())}


def export_books(url: str, admin_url: str, out: Path) -> dict[str, Any]:
    """``out/books/``: the libro de ventas, libro de compras (CSV) and IVA summary (JSON) of the latest month with
    documents, downloaded from HQ «Libros» as the owner (so they are what HQ exports, byte for byte), and whether
    they equal the books built here from the master's tables with ``syncserver.store.books`` (docs/books.md).
    Returns the month, the files and the IVA figures for summary.json."""
    from shared import books
    from syncserver.store import books as books_store

    with psycopg.connect(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
        row = conn.execute("SELECT max(left(stamped_at, 7)) FROM dte_documents").fetchone()
    if row is None or row[0] is None:
        return {"books": None}
    month = date.fromisoformat(row[0] + "-01")
    folder = out / "books"
    folder.mkdir(exist_ok=True)
    names = books.file_names(month)
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/hq/login")
        match = _CSRF_FIELD.search(page.text)
        assert match, "HQ's login page has no CSRF field"
        signed_in = client.post("/hq/login", data={"csrf": match.group(1), "email": HQ_EMAIL,
                                                   "password": HQ_PASSWORD})
        assert signed_in.status_code == 303, signed_in.text[-500:]
        downloaded = {}
        for name, path in zip(names, ("ventas.csv", "compras.csv", "iva.json"), strict=True):
            answer = client.get(f"/hq/libros/{path}", params={"mes": row[0]})
            answer.raise_for_status()
            downloaded[name] = answer.content
            (folder / name).write_bytes(answer.content)

    async def built() -> dict[str, bytes]:
        async with await psycopg.AsyncConnection.connect(admin_url) as aconn, aconn.transaction():
            await aconn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT),))
            summary = await books_store.iva_summary(aconn, TENANT, month)
            sales = await books_store.sales_book(aconn, TENANT, month)
            bought = await books_store.purchase_book(aconn, TENANT, month)
        return dict(zip(names, (books.sales_csv(sales), books.purchase_csv(bought), books.iva_json(summary)),
                        strict=True))

    figures = json.loads(downloaded[names[2]])
    return {"books": {"month": row[0], "files": list(names), "debito": figures["debito"],
                      "credito": figures["credito"], "remainder": figures["remainder"],
                      "equal_to_master": asyncio.run(built()) == downloaded}}


def _in_virtual_display(command: list[str], auth: Path) -> list[str]:
    """``command`` run inside Xvfb on a free display number whose X cookie is kept in ``auth``, after telling the
    user how to see that screen."""
    number = next(n for n in range(99, 200)
                  if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists())
    print(f"No hay pantalla (ni DISPLAY ni WAYLAND_DISPLAY): la caja se abre en una pantalla virtual (Xvfb :{number})"
          " que nadie ve. Para ver la ventana:\n"
          "  - ejecute ./scripts/demo en una sesión gráfica, o por SSH con reenvío de X: ssh -X usuario@máquina;\n"
          "  - o mire la pantalla virtual con VNC (apt-get install x11vnc):\n"
          f"      x11vnc -display :{number} -auth {auth} -localhost -forever\n"
          "    y desde su equipo: ssh -L 5900:localhost:5900 usuario@máquina y un visor VNC en localhost:5900;\n"
          "  - o sin ventana: ./scripts/demo --headless --sales 200 --out demo-out",
          file=sys.stderr, flush=True)
    return ["xvfb-run", "-n", str(number), "-f", str(auth), "-s", "-screen 0 1280x800x24", *command]


def window(root: Path, port: int, extra: list[str]) -> int:
    """The POS window on the demo till, enrolled with a local server whose HQ pages stay open meanwhile. The
    business is created through ``almacen server admin`` (:func:`setup_business`) and the till receives its catalog,
    users and folios from HQ by enrolling and syncing, as a new till does (no demo data written into its journal)."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    sii = StandinThread(root)
    server, env = start_server(root / "demo-server", port, {
        "ALMACEN_SII_ENVIRONMENT": "standin", "ALMACEN_SII_URL": sii.url, "ALMACEN_DTE_INTERVAL": "5",
        "ALMACEN_STANDIN_CAF_KEY": str(sii.key_file)})
    url = f"http://127.0.0.1:{port}"
    try:
        admin_url = _almacen("server", "db-url", env=env, capture=True).stdout.strip().splitlines()[-1]
        till = root / "demo-terminal"
        if not enrollment.key_path(till).exists():
            code = setup_business(env, admin_url, root / "sii")
            _almacen("pos", "enroll", url, code, "--data", str(till), env=env)  # a new till: HQ's store, nothing else
            for path in sii.issue_cafs(root):  # leased to the till just enrolled
                _almacen("server", "admin", "caf-import", str(TENANT), str(path), env=env, capture=True)
            print("La caja recibe de HQ su tienda, usuarios, catálogo y folios…", flush=True)
            _almacen("pos", "sync", "--data", str(till), env=env, capture=True)
            count_opening_stock(till)
        print(f"Simulador del SII: {sii.url} (los documentos se firman y envían cada 5 s)", flush=True)
        print(f"HQ: {url}/hq/  usuario {HQ_EMAIL}, clave {HQ_PASSWORD}", flush=True)
        print("Usuarios de la caja: Ana (cajera) PIN 1234 · Pedro (cajero) PIN 2345 · Marta (supervisora) PIN 9999"
              " · Rosa (admin.) PIN 0000", flush=True)
        command = [sys.executable, "-m", "desktop", "pos", "run", "--data", str(till), *extra]
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
            command = _in_virtual_display(command, root / "xauthority")
        return subprocess.run(command, cwd=ROOT, check=False).returncode
    finally:
        sii.stop()
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
    sii = StandinThread(out)
    server, env = start_server(out / "server", port, {
        "ALMACEN_SII_ENVIRONMENT": "standin", "ALMACEN_SII_URL": sii.url, "ALMACEN_DTE_INTERVAL": "1",
        "ALMACEN_STANDIN_CAF_KEY": str(sii.key_file), "ALMACEN_RVD_ENABLED": "true"})
    try:
        admin_url = _almacen("server", "db-url", env=env, capture=True).stdout.strip().splitlines()[-1]
        code = setup_business(env, admin_url, out / "sii")  # as the window's demo: HQ holds catalog and users
        url = f"http://127.0.0.1:{port}"

        def prepare(term: Any) -> None:
            """HQ imports the CAFs (the till, already enrolled, gets its leases), and the till syncs to pull them."""
            for path in sii.issue_cafs(out):
                _almacen("server", "admin", "caf-import", str(TENANT), str(path), env=env, capture=True)
            term.sync.sync_once(term.journal.clock())

        def enroll(data_dir: Path, terminal_id: str) -> tuple[int, str, str]:
            registered = enrollment.register(data_dir, url, code, terminal_id)
            return registered.tenant_id, registered.store_id, registered.server_url

        def after(term: Any, summary: dict[str, Any]) -> None:
            status = term.sync.sync_once(term.journal.clock())
            rounds = 1
            while status.pending and rounds < 20:
                status = term.sync.sync_once(term.journal.clock())
                rounds += 1
            journal = term.journal.verify()  # every event the till wrote, before the shift too (catalog, leases)
            summary.update({"events_pushed": journal, "events_acknowledged": journal - status.pending,
                            "sync_online": status.online, "hq": url + "/hq/", "hq_login": HQ_EMAIL,
                            **master_figures(admin_url, term), **inventory_figures(admin_url, term),
                            **fiado_figures(admin_url, term)})
            summary["sii_verdicts_complete"] = wait_for_verdicts(admin_url)
            summary.update(issue_debit_note(url, admin_url))
            summary["sii_verdicts_complete"] = wait_for_verdicts(admin_url)
            debit_note_state(admin_url, summary)
            summary.update(export_documents(admin_url, out))
            summary.update(answer_supplier(url, admin_url, sii.standin))
            summary.update(export_books(url, admin_url, out))
            summary["sii_uploads"] = sii.standin.uploads

        summary = headless.run(out, sales=args.sales, seed_value=args.seed, enroll=enroll, after=after,
                               prepare=prepare)
    finally:
        sii.stop()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    ok = (summary.get("stock_in_master_equals_terminal") and summary["sales_in_master"] == summary["sales"]
          and summary.get("sii_verdicts_complete") and summary.get("stock_per_warehouse_equal")
          and summary.get("costs_equal") and summary.get("kardex_equal") and summary.get("fiado_balances_equal")
          and (summary.get("books") or {}).get("equal_to_master")
          and (summary.get("nota_debito") is None or summary["nota_debito"].get("state") == "aceptado")
          and (summary.get("supplier_answer") or {}).get("state") == "aceptado")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
