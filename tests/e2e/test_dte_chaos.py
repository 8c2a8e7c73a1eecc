"""The DTE chain converges while the SII misbehaves, run as a store runs it: HQ enters the emisor data, uploads the
certificate and imports stand-in CAFs (39, 33, 61) through its pages on a real server; a till enrolls, pulls its
folios, sells offline (boletas, facturas, a full and a partial return) and syncs; the server's DTE scheduler passes
(``scheduler.run_pass`` with an injected ``now``, the stand-in's clock moved with it: no waiting) meet 503s with
Retry-After, an answer lost to a client timeout, garbage, "en proceso" polls, a rejected boleta, a factura with
reparos and a day-long outage. In the end every document has the SII's verdict, no envelope was ever uploaded with
other bytes, no folio twice, the rejected boleta is annulled with HQ's nota de crédito (accepted in a later pass),
HQ's "Documentos" page says it all in Spanish, and the master holds the till's sales."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.services import enrollment
from shared.dte import xmlcore
from shared.events import sales as sale_events
from shared.sale import Tender, TenderKind
from syncserver import app as app_mod
from syncserver import settings as server_settings
from syncserver import sii_standin, tenancy
from syncserver.dte import folios
from syncserver.hq import auth
from syncserver.sii import scheduler, standin_caf, worker, ws
from syncserver.sii.ws import endpoints as ep
from syncserver.store import schema

COMPANY_RUT, COMPANY = "76.235.291-5", "Almacenes Don Pepe"  # the tills' default store RUT
HOLDER_RUT, CERT_PASSWORD = "13.185.095-6", "firma-chaos"
SECRET = "chaos-secret"
EMAIL, PASSWORD = "dueno@donpepe.cl", "clave-segura-1"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CAF_RANGES = {39: (1, 1000), 33: (1, 200), 61: (1, 300)}
EMISOR_FORM = {"razon_social": "Almacenes Don Pepe SpA", "giro": "Venta al por menor en almacenes de barrio",
               "acteco": "471100", "direccion": "Av. Providencia 1234", "comuna": "Providencia", "ciudad": "Santiago",
               "sucursal_sii": "", "resolucion_fecha": "2024-03-15", "resolucion_numero": "0",
               "unidad_sii": "SANTIAGO ORIENTE"}
ROWS = [{"sku": f"P{i}", "name": name, "price": price, "category": "Abarrotes", "sold_by": sold_by, "barcode": "",
         "plu": str(4000 + i), "brand": "", "iva_exempt": "0", "favourite": "0", "stock": "500"}
        for i, (name, price, sold_by) in enumerate([
            ("Leche Entera 1 L", "1150", "unit"), ("Arroz Grado 1 1 kg", "1690", "unit"),
            ("Aceite Maravilla 1 L", "2790", "unit"), ("Pan Batido", "1990", "kg"), ("Azúcar 1 kg", "1290", "unit"),
            ("Queso Gauda", "11990", "kg"), ("Té 100 bolsitas", "3490", "unit"), ("Fideos Spaghetti", "990", "unit")])]
CUSTOMERS = (
    sale_events.CustomerData("77.447.842-6", "Baca Juegos y Accesorios SpA", "Venta de juegos y accesorios",
                             "Cillero 11", "Rancagua"),
    sale_events.CustomerData("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor",
                             "Av. Matta 1020", "Santiago"),
    sale_events.CustomerData("96.790.240-3", "Restaurante La Esquina S.A.", "Restaurantes", "Esmeralda 455",
                             "Los Andes"))
REJECTION = "Giro del receptor no corresponde al registrado en el SII"
REPAROS = "Dirección del receptor incompleta"
CLIENT_TIMEOUT, LOST_ANSWER = 4.0, 5.0  # the SII client's HTTP timeout; an answer delayed beyond it
FINAL = ("accepted", "accepted_objections", "rejected")
_TAG = re.compile(r"<[^>]+>")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# --- the parts ------------------------------------------------------------------------------------------------------


class Pipeline:
    """The server's DTE scheduler, pass by pass, on one event loop: ``run(now)`` is one ``scheduler.run_pass`` at
    ``now`` (every tenant with a certificate: here tenant 1, the resolution from its emisor data) with the stand-in's
    clock frozen at ``now``."""

    def __init__(self, app_url: str, sii_url: str, standin: sii_standin.StandIn) -> None:
        self.standin = standin
        self.runner = asyncio.Runner()
        self.pool: psycopg_pool.AsyncConnectionPool = self.runner.run(self._open(app_url))
        self.client = ws.client_for("standin", sii_url, timeout=CLIENT_TIMEOUT)

    @staticmethod
    async def _open(url: str) -> psycopg_pool.AsyncConnectionPool:
        pool = psycopg_pool.AsyncConnectionPool(url, min_size=1, max_size=3, open=False)
        await pool.open()
        return pool

    def call(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def run(self, now: datetime) -> worker.PassResult:
        self.standin.at(now)
        results = self.runner.run(scheduler.run_pass(self.pool, SECRET, self.client, now=now))
        assert list(results) == [1] and isinstance(results[1], worker.PassResult), results
        return results[1]

    def close(self) -> None:
        self.runner.run(self.client.http.aclose())
        self.runner.run(self.pool.close())
        self.runner.close()


def _rows(admin_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the master as its owner (tenant 1 only exists here)."""
    with psycopg.connect(admin_url) as conn:
        return conn.execute(sql, params).fetchall()


def _hq_login(hq: httpx.Client) -> None:
    token = _CSRF.search(hq.get("/hq/login").text)
    assert token
    done = hq.post("/hq/login", data={"csrf": token.group(1), "email": EMAIL, "password": PASSWORD})
    assert done.status_code == 303, done.text


def _csrf(hq: httpx.Client, path: str) -> str:
    token = _CSRF.search(hq.get(path).text)
    assert token, path
    return token.group(1)


def _page_rows(html: str) -> list[str]:
    """The text of each body row of the page's table, tags stripped and spaces collapsed."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(_TAG.sub(" ", chunk).split()) for chunk in body.split("<tr>")[1:]]


def _documents_in(body: bytes) -> list[tuple[int, int]]:
    """(TipoDTE, Folio) of every DTE of an uploaded envelope, in order."""
    root = xmlcore.parse(body)
    out = []
    for dte in root.iter("{" + xmlcore.SII_NS + "}DTE"):
        iddoc = next(el for el in dte.iter() if isinstance(el.tag, str) and xmlcore.localname(el) == "IdDoc")
        out.append((int(xmlcore.text(iddoc, "TipoDTE") or 0), int(xmlcore.text(iddoc, "Folio") or 0)))
    return out


def _nota(body: bytes) -> dict[str, str]:
    """The fields of the only DTE of an envelope that say what it is and what it annuls."""
    (dte,) = xmlcore.parse(body).iter("{" + xmlcore.SII_NS + "}DTE")
    names = ("TipoDTE", "Folio", "RUTRecep", "MntTotal", "TpoDocRef", "FolioRef", "CodRef", "RazonRef")
    return {xmlcore.localname(el): (el.text or "").strip() for el in dte.iter()
            if isinstance(el.tag, str) and xmlcore.localname(el) in names}


class Cashier:
    """Ana at the till: sales with 1–3 lines, boletas or facturas, and returns authorised by the supervisor."""

    def __init__(self, term: terminal_mod.Terminal) -> None:
        self.term = term
        ana = term.auth.sign_in("ana", "1234")
        shift = term.shifts.current() or term.shifts.open(ana, 20_000)
        self.shift_id = shift.shift_id
        term.checkout.start(ana, shift.shift_id)

    def sell(self, items: list[tuple[int, str]], kind: TenderKind = TenderKind.CASH,
             customer: sale_events.CustomerData | None = None) -> sale_events.SaleCompleted:
        for product, quantity in items:
            found = read_models.by_plu(self.term.journal.conn, str(4000 + product))
            assert found is not None
            self.term.checkout.add_product(found, Decimal(quantity))
        total = self.term.checkout.sale.totals().total
        paid = total + 10 if kind is TenderKind.CASH else total
        event = self.term.checkout.complete((Tender(kind, paid),), customer=customer).event
        assert event.document is not None and event.document.tipo == (33 if customer else 39)
        return event

    def give_back(self, sale: sale_events.SaleCompleted, quantities: dict[int, Decimal] | None, reason: str) -> Any:
        found = self.term.returns.find_sale(sale.sale_id)
        done = self.term.returns.complete(found, quantities, "9999", reason, cashier_id="ana", shift_id=self.shift_id)
        assert done.event.document is not None and done.event.document.tipo == 61
        return done.event


@pytest.fixture
def database(cluster: Any) -> Iterator[tuple[str, str]]:
    """A migrated master database: (admin URL, application URL)."""
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = cluster.create_database(name)
    schema.migrate(admin)
    yield admin, schema.app_url(admin)
    cluster.drop_database(name)


# --- the scenario ---------------------------------------------------------------------------------------------------


def test_the_dte_chain_converges_through_sii_trouble(database: tuple[str, str], serve_in_thread: Any,
                                                     tmp_path: Path) -> None:
    admin_url, app_url = database
    issuer = standin_caf.StandinIssuer.generate()
    key_file = tmp_path / "standin_caf_key.pem"
    key_file.write_bytes(issuer.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    standin = sii_standin.StandIn(pending_polls=2)
    standin.keys.update(issuer.keys())
    authorised = folios.today_in_chile() - timedelta(days=1)
    cafs = {tipo: issuer.issue(rut=COMPANY_RUT, razon_social=COMPANY, tipo=tipo, desde=d, hasta=h, fa=authorised)
            for tipo, (d, h) in CAF_RANGES.items()}
    for data in cafs.values():
        standin.register_caf(data)  # the SII knows the CAFs it granted

    with serve_in_thread(sii_standin.create_app(standin)) as sii_url:
        settings = server_settings.ServerSettings(
            database_url=app_url, secret_key=SECRET, max_batch_events=5000, sii_environment="standin",
            sii_url=sii_url, standin_caf_key=str(key_file), folio_lease_size=50, folio_low_water=10)
        app = app_mod.create_app(settings)
        app.state.hq_hasher = FAST
        pipeline = Pipeline(app_url, sii_url, standin)
        try:
            with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as hq:
                _scenario(admin_url, url, hq, pipeline, standin, cafs, tmp_path)
        finally:
            pipeline.close()


def _scenario(admin_url: str, url: str, hq: httpx.Client, pipeline: Pipeline, standin: sii_standin.StandIn,
              cafs: dict[int, bytes], tmp_path: Path) -> None:
    # --- HQ: the company, its store, its owner's login; emisor data, certificate and CAFs through HQ's pages
    async def company(pool: psycopg_pool.AsyncConnectionPool) -> str:
        await tenancy.create_tenant(pool, 1, COMPANY, COMPANY_RUT)
        await tenancy.create_store(pool, 1, "centro", "Centro")
        await auth.create_login(pool, 1, EMAIL, "Pepe (dueño)", PASSWORD, FAST)
        return await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1")

    code = pipeline.call(company(pipeline.pool))
    _hq_login(hq)
    saved = hq.post("/hq/emisor", data={"csrf": _csrf(hq, "/hq/emisor"), **EMISOR_FORM})
    assert saved.status_code == 303, saved.text
    pfx = standin_caf.demo_certificate(HOLDER_RUT, CERT_PASSWORD, holder="Pepe Pérez")
    saved = hq.post("/hq/emisor/certificado", data={"csrf": _csrf(hq, "/hq/emisor"), "clave": CERT_PASSWORD},
                    files={"pfx": ("firma.pfx", pfx, "application/x-pkcs12")})
    assert saved.status_code == 303, saved.text

    # --- the till enrolls (before the CAFs: HQ leases to active terminals at import), then pulls its folios
    data_dir = tmp_path / "till"
    terminal_id = str(uuid.uuid4())
    registered = enrollment.register(data_dir, url, code, terminal_id)
    s = settings_mod.TerminalSettings(data_dir=data_dir, tenant_id=registered.tenant_id,
                                      store_id=registered.store_id, terminal_id=terminal_id)
    term = terminal_mod.build(s, create=True, printer=FakePrinter(), drawer=FakeDrawer(), hasher=FAST)
    try:
        term.journal.set_sync_state(server_url=url)
        term.sync = terminal_mod.connect_sync(s, term.journal)
        assert term.sync is not None
        seed.seed(term, ROWS)
        for tipo, data in cafs.items():
            done = hq.post("/hq/folios", data={"csrf": _csrf(hq, "/hq/folios")},
                           files={"caf": (f"caf_T{tipo}.xml", data, "text/xml")})
            assert done.status_code == 303, done.text
        assert term.sync.sync_once(term.journal.clock()).online
        assert all(term.checkout.folios.folios_left(t) == 50 for t in CAF_RANGES)
        _run(admin_url, hq, pipeline, standin, term)
    finally:
        term.close()


def _run(admin_url: str, hq: httpx.Client, pipeline: Pipeline, standin: sii_standin.StandIn,
         term: terminal_mod.Terminal) -> None:
    # --- 30 sales offline: boletas (cash, debit), three facturas; a full and a partial return; then one sync
    ana = Cashier(term)
    sold: list[sale_events.SaleCompleted] = []
    for i in range(30):  # every fifth sale has two lines, the second one weighed (Pan Batido, product 3)
        items = [(i % 8, "2" if i % 5 else "3"), (3, "0.750")] if i % 5 in (0, 2) else [(i % 8, "1")]
        customer = CUSTOMERS[i // 10] if i in (4, 13, 22) else None
        kind = TenderKind.DEBIT if customer or i % 3 == 1 else TenderKind.CASH
        sold.append(ana.sell(items, kind, customer))
    facturas = [e for e in sold if e.document.tipo == 33]
    boletas = [e for e in sold if e.document.tipo == 39]
    assert len(facturas) == 3 and len(boletas) == 27
    full = ana.give_back(sold[1], None, "Cliente se arrepiente")
    partial = ana.give_back(sold[5], {1: Decimal(1)}, "Producto en mal estado")  # 1 of its 3 units
    assert full.full and not partial.full
    status = term.sync.sync_once(term.journal.clock())
    assert status.online and status.pending == 0, status
    assert _rows(admin_url, "SELECT count(*) FROM quarantine") == [(0,)]

    rejected_folio, objected_folio = sold[11].document.folio, facturas[1].document.folio
    standin.reject(39, rejected_folio, REJECTION)
    standin.object(33, objected_folio, REPAROS)
    standin.inject(503, retry_after=600, path=ep.BOLETA_ENVIO)  # the first boleta upload: busy, come back in 10 min
    standin.inject(503, retry_after=90, path=ep.DTE_UPLOAD)  # the first EnvioDTE upload: busy for 90 s
    standin.inject_delay(LOST_ANSWER, path=ep.DTE_UPLOAD)  # the second: received, but the answer never arrives
    standin.inject_garbage("truncated", path=ep.QUERY_EST_UP)  # the first status of the EnvioDTE: cut XML
    standin.inject_garbage("json", path=ep.BOLETA_ENVIO + "/")  # the first status of the boletas: JSON of nothing

    def envelope(kind: str) -> dict[str, Any]:
        (row,) = _rows(admin_url, "SELECT envelope_id, state, track_id, attempts, next_attempt_at, last_error, xml"
                                  " FROM dte_envelopes WHERE kind = %s", kind)
        names = ("id", "state", "track_id", "attempts", "next_attempt_at", "last_error", "xml")
        return dict(zip(names, row, strict=True))

    t0 = (datetime.now(UTC) + timedelta(minutes=1)).replace(microsecond=0)
    # pass 0: every document signed and packed (boletas; facturas and notas); the boleta upload gets 503 + 10 min
    first = pipeline.run(t0)
    assert (first.signed, first.not_signed, first.packed, first.sent, first.verdicts) == (32, 0, 32, 0, 0)
    boleta_env = envelope("EnvioBOLETA")
    assert boleta_env["state"] == "built" and "HTTP 503" in boleta_env["last_error"]
    assert boleta_env["next_attempt_at"] == t0 + timedelta(seconds=600)
    assert envelope("EnvioDTE")["attempts"] == 0  # the pass stopped uploading at the first refusal
    assert standin.bodies == []
    # pass 1: the boletas wait for their Retry-After; the EnvioDTE gets its own 503 with 90 s
    assert pipeline.run(t0 + timedelta(minutes=1)).sent == 0
    dte_env = envelope("EnvioDTE")
    assert envelope("EnvioBOLETA")["attempts"] == 1 and dte_env["attempts"] == 1
    assert dte_env["next_attempt_at"] == t0 + timedelta(minutes=1, seconds=90) and standin.bodies == []
    # pass 2: the EnvioDTE reaches the SII, but the answer is lost (client timeout): retried later
    assert pipeline.run(t0 + timedelta(minutes=3)).sent == 0
    dte_env = envelope("EnvioDTE")
    assert dte_env["state"] == "built" and "no respondió a tiempo" in dte_env["last_error"]
    assert standin.bodies == [dte_env["xml"]]
    # pass 3: the identical file again is "already received" with the first track id; its first status is garbage
    third = pipeline.run(t0 + timedelta(minutes=4))
    dte_env = envelope("EnvioDTE")
    assert third.sent == 1 and dte_env["state"] == "sent" and list(standin.envios) == [dte_env["track_id"]]
    assert standin.bodies == [dte_env["xml"]] * 2
    assert dte_env["last_error"] and dte_env["next_attempt_at"] == t0 + timedelta(minutes=4, seconds=30)
    assert _rows(admin_url, "SELECT sii_glosa FROM dte_envelopes WHERE envelope_id = %s", dte_env["id"]) == [
        ("el SII ya había recibido este mismo archivo (STATUS 99)",)]
    # pass 4: the SII is still processing it
    assert pipeline.run(t0 + timedelta(minutes=5)).verdicts == 0
    assert _rows(admin_url, "SELECT DISTINCT sii_estado FROM dte_envelopes WHERE kind = 'EnvioDTE'") == [("PDR",)]

    # --- the SII is down for a day; the store keeps selling and syncing meanwhile
    outage_end = t0 + timedelta(hours=24, minutes=5)
    standin.outage_until = outage_end
    more = [ana.sell([(h, "1"), (7, "2")]) for h in range(3)]
    assert term.sync.sync_once(term.journal.clock()).pending == 0
    uploads = len(standin.bodies)
    during = [pipeline.run(t0 + timedelta(minutes=6, hours=h)) for h in range(24)]
    assert sum(r.signed for r in during) == sum(r.packed for r in during) == 3
    assert sum(r.sent for r in during) == sum(r.verdicts for r in during) == 0
    assert len(standin.bodies) == uploads  # nothing reached the SII during the outage
    assert _rows(admin_url, "SELECT count(*) FROM dte_outbox WHERE state = ANY(%s)", list(FINAL)) == [(0,)]
    waiting = _page_rows(hq.get("/hq/documentos").text)  # HQ sees them waiting, with the SII's trouble
    assert len(waiting) == 35 and all("HTTP 503" in r for r in waiting)
    assert sum(" Firmado " in r for r in waiting) == 30 and sum(" Enviado al SII " in r for r in waiting) == 5

    # --- the SII is back: everything converges
    now = outage_end + timedelta(minutes=1)
    now = _until_verdicts(admin_url, pipeline, now)
    assert not standin.faults  # every fault injected was met
    states = {(t, f): rest for t, f, *rest in _rows(admin_url, "SELECT tipo, folio, state, sii_estado, sii_glosa,"
                                                               " last_error FROM dte_outbox")}
    state, estado, _glosa, error = states.pop((39, rejected_folio))
    assert (state, estado) == ("rejected", "RCH") and REJECTION in error
    state, _estado, glosa, error = states.pop((33, objected_folio))
    assert state == "accepted_objections" and REPAROS in glosa and error is None
    assert {(state, error) for state, _, _, error in states.values()} == {("accepted", None)}
    assert len(states) == 35 - 2

    # --- HQ annuls the rejected boleta with a nota de crédito (the owner confirms with the password)
    path = f"/hq/documentos/39/{rejected_folio}/corregir"
    done = hq.post(path, data={"csrf": _csrf(hq, path), "motivo": "Anula boleta rechazada", "password": PASSWORD})
    assert done.status_code == 303, done.text
    nc = _rows(admin_url, "SELECT folio, original_tipo, original_folio FROM dte_corrections")
    assert len(nc) == 1 and nc[0][1:] == (39, rejected_folio)
    nc_folio = nc[0][0]
    notice = " ".join(_TAG.sub(" ", hq.get(done.headers["location"]).text).split())
    assert f"Nota de crédito N° {nc_folio} emitida: anula Boleta N° {rejected_folio}." in notice
    uploads = len(standin.bodies)
    later = pipeline.run(now)
    assert (later.signed, later.packed, later.sent) == (1, 1, 1) and len(standin.bodies) == uploads + 1
    nota = _nota(standin.bodies[-1])  # the nota annuls the whole rejected boleta (Referencia CodRef 1)
    assert nota == {"TipoDTE": "61", "Folio": str(nc_folio), "RUTRecep": "66666666-6",
                    "MntTotal": str(sold[11].total), "TpoDocRef": "39", "FolioRef": str(rejected_folio),
                    "CodRef": "1", "RazonRef": "Anula boleta rechazada"}
    _until_verdicts(admin_url, pipeline, now + timedelta(minutes=1))
    assert _rows(admin_url, "SELECT state, track_id IS NOT NULL FROM dte_outbox WHERE tipo = 61 AND folio = %s",
                 nc_folio) == [("accepted", True)]

    _check_uploads(admin_url, standin)
    _check_hq(hq, rejected_folio, objected_folio, nc_folio)
    _check_master(admin_url, term, [*sold, *more], [full, partial])


def _until_verdicts(admin_url: str, pipeline: Pipeline, now: datetime, *, passes: int = 30) -> datetime:
    """Passes as a scheduler makes them, at least a minute apart and otherwise at the next moment something is due,
    until no document or envelope waits for the SII; returns the next pass's time."""
    for _ in range(passes):
        pipeline.run(now)
        waiting, due = _rows(admin_url, "SELECT (SELECT count(*) FROM dte_outbox WHERE state <> ALL(%s))"
                                        " + (SELECT count(*) FROM dte_envelopes WHERE state <> 'done'),"
                                        " (SELECT min(next_attempt_at) FROM dte_envelopes WHERE state <> 'done')",
                             list(FINAL))[0]
        now = max(now + timedelta(minutes=1), due or now)
        if waiting == 0:
            return now
    raise AssertionError(_rows(admin_url, "SELECT envelope_id, kind, state, attempts, last_error FROM dte_envelopes"))


def _check_uploads(admin_url: str, standin: sii_standin.StandIn) -> None:
    """Each document went in exactly one envelope, always uploaded with the bytes stored before the first try; every
    accepted document has one track id, the SII's envío that holds it; no folio in two envelopes."""
    stored = {bytes(xml): (track, state) for xml, track, state in _rows(
        admin_url, "SELECT xml, track_id, state FROM dte_envelopes")}
    assert set(standin.bodies) == set(stored)  # every upload is a stored envelope, byte for byte
    assert all(state == "done" and track for track, state in stored.values())
    where: dict[tuple[int, int], set[bytes]] = defaultdict(set)
    uploaded: list[tuple[int, int]] = []
    for body in set(standin.bodies):
        docs = _documents_in(body)
        uploaded += docs
        for doc in docs:
            where[doc].add(body)
    assert len(uploaded) == len(set(uploaded)) == 36  # no folio twice across all uploads
    assert all(len(bodies) == 1 for bodies in where.values())
    resent = [b for b in set(standin.bodies) if standin.bodies.count(b) > 1]
    assert resent  # the answer lost to the timeout made one resend, byte-identical
    sii_tracks: dict[tuple[int, int], set[str]] = defaultdict(set)
    for envio in standin.envios.values():
        for verdict in envio.documents:
            sii_tracks[(verdict.tipo, verdict.folio)].add(envio.track_id)
    outbox = _rows(admin_url, "SELECT tipo, folio, state, track_id FROM dte_outbox")
    assert {(t, f) for t, f, _, _ in outbox} == set(uploaded)
    for tipo, folio, _state, track in outbox:
        assert sii_tracks[(tipo, folio)] == {track}, (tipo, folio)
        assert stored[next(iter(where[(tipo, folio)]))][0] == track


def _check_hq(hq: httpx.Client, rejected: int, objected: int, nc: int) -> None:
    """HQ's "Documentos": states in Spanish, the SII's reason and reparos, the correction both ways."""
    page = hq.get("/hq/documentos")
    assert page.status_code == 200
    rows = _page_rows(page.text)
    text = " ".join(_TAG.sub(" ", page.text).split())
    assert "Aceptado (34)" in text and "Aceptado con reparos (1)" in text and "Rechazado (1)" in text
    assert "Enviado al SII (0)" in text and "Firmado (0)" in text and "Emitido en caja (0)" in text
    boleta = next(r for r in rows if r.startswith(f"Boleta (39) {rejected} Caja 1 "))
    assert " Rechazado " in boleta and f"Motivo del SII: DTE Rechazado; {REJECTION}" in boleta
    assert "(código SII RCH)" in boleta and f"Anulado con nota de crédito N° {nc}" in boleta
    factura = next(r for r in rows if r.startswith(f"Factura (33) {objected} Caja 1 "))
    assert " Aceptado con reparos " in factura
    assert f"Reparos del SII: DTE Aceptado con Reparos: {REPAROS}" in factura
    nota = next(r for r in rows if r.startswith(f"Nota de crédito (61) {nc} HQ "))
    assert " Aceptado " in nota and f"Anula Boleta N° {rejected}." in nota
    others = [r for r in rows if r not in (boleta, factura, nota)]
    assert len(others) == 33 and all(" Aceptado " in r and "Rechazado" not in r and "eparos" not in r
                                     for r in others)


def _check_master(admin_url: str, term: terminal_mod.Terminal, sold: list[sale_events.SaleCompleted],
                  returned: list[Any]) -> None:
    """The master holds the till's sales, returns and documents exactly."""
    till_sales = {e.sale_id: (e.number, e.total, e.neto, e.iva) for e in sold}
    journal = {e.payload["sale_id"] for e in term.journal.read() if e.type == "sale.completed"}
    assert journal == set(till_sales)
    master_sales = {r[0]: tuple(r[1:]) for r in _rows(admin_url, "SELECT sale_id, number, total, neto, iva"
                                                                 " FROM sales")}
    assert master_sales == till_sales
    assert {r[0]: tuple(r[1:]) for r in _rows(admin_url, "SELECT return_id, total, tipo, folio FROM returns")} == {
        e.return_id: (e.total, 61, e.document.folio) for e in returned}
    till_docs = {(e.document.tipo, e.document.folio) for e in sold} | {(61, e.document.folio) for e in returned}
    master_docs = {(t, f) for t, f in _rows(admin_url, "SELECT tipo, folio FROM dte_documents WHERE terminal_id"
                                                       " <> %s", folios.SERVER_TERMINAL)}
    assert master_docs == till_docs and len(till_docs) == 35
    stock = dict(_rows(admin_url, "SELECT sku, quantity FROM stock WHERE warehouse_id = 'centro'"))
    assert {r["sku"]: read_models.stock_on_hand(term.journal.conn, r["sku"]) for r in ROWS} == stock
