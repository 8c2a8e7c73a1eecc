"""A stamped boleta whose sale the master quarantines still reaches the SII, against a real sync server, PostgreSQL
and the SII stand-in: a till leased the sample folios sells boletas (their TEDs stamped with the lease's CAF), and
one sale arrives with something the master cannot hold (a repeated ``line_id``, a quantity that is not a number).
The sale is quarantined with a reason that says its boleta still goes to the SII and stays out of the read models
(a rebuild gives the same rows), while its boleta is recorded and put in the outbox: signed, uploaded and accepted
when its data makes a valid DTE, or kept ``issued`` with a clear error in HQ's Documentos when it does not, without
holding back the tenant's other documents (``syncserver.ingest.push``, ``syncserver.dte.pipeline``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg_pool
import pytest

from desktop.journal import read_models
from shared.dte import xmlcore
from shared.events import registry
from shared.sale import Tender, TenderKind
from syncserver import sii_standin
from syncserver.dte import certs, pipeline
from syncserver.dte import emisor as emisor_mod
from syncserver.ingest import rebuild
from syncserver.sii import scheduler, standin_caf, worker, ws
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(6)  # P000 is sold by weight; the others by unit
SECRET = "test-secret"  # the e2e server's secret key: it decrypts the tenant's certificate
CERT_PASSWORD = "firma-cuarentena"
EMISOR_DATA = {"razon_social": "Almacenes Don Pepe SpA", "giro": "Venta al por menor en almacenes",
               "acteco": "471100", "direccion": "San Lucio 138", "comuna": "Los Andes", "ciudad": "Los Andes",
               "resolucion_fecha": "2026-01-01", "resolucion_numero": "0"}
FOLDED_SQL = ("SELECT (SELECT json_agg(s ORDER BY sale_id) FROM sales s),"
              " (SELECT json_agg(l ORDER BY sale_id, line_id) FROM sale_lines l),"
              " (SELECT json_agg(t ORDER BY sale_id, kind) FROM sale_tenders t),"
              " (SELECT json_agg(k ORDER BY warehouse_id, sku) FROM stock k),"
              " (SELECT json_agg(h ORDER BY shift_id) FROM shifts h)")
FINAL = ("accepted", "accepted_objections", "rejected")


@pytest.fixture
def till(server: Any, make_till: Any) -> Any:
    """A till of tenant 1 (the sample CAFs' RUT, emisor data and a certificate on the server) holding boleta
    folios, with an open shift."""
    sync_kit.setup_tenants(server)
    t = make_till(1, "centro", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    pfx = standin_caf.demo_certificate("13.185.095-6", CERT_PASSWORD, holder="Pepe Pérez")

    async def dte_setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await emisor_mod.store(pool, 1, EMISOR_DATA)
        await certs.store(pool, 1, pfx, CERT_PASSWORD, SECRET)

    server.run(dte_setup)
    assert t.sync.sync_once(t.terminal.journal.clock()).online
    assert t.terminal.checkout.folios.folios_left(39) >= 3
    ana = t.terminal.auth.sign_in("ana", "1234")
    t.terminal.checkout.start(ana, t.terminal.shifts.open(ana, 10_000).shift_id)
    return t


@pytest.fixture
def standin(serve_in_thread: Any) -> Iterator[tuple[sii_standin.StandIn, str]]:
    """The SII stand-in (uvicorn), knowing the sample CAF of boletas."""
    s = sii_standin.StandIn()
    s.register_caf((sync_kit.SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml").read_bytes())
    with serve_in_thread(sii_standin.create_app(s)) as url:
        yield s, url


def _sell(till: Any, plus: list[str]) -> Any:
    """A boleta sale of one unit of each PLU, paid by debit; its ``sale.completed`` event."""
    term = till.terminal
    for plu in plus:
        term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(1))
    total = term.checkout.sale.totals().total
    event = term.checkout.complete((Tender(TenderKind.DEBIT, total),)).event
    assert event.document is not None and event.document.tipo == 39
    return event


def _unsent(server: Any, till: Any) -> tuple[list[dict[str, Any]], int]:
    """The bodies of the till's whole journal and how many of them the server has acked."""
    bodies = [e.body() for e in till.terminal.journal.read()]
    (acked,) = sync_kit.admin(server, "SELECT acked_seq FROM sync_tracking")[0]
    return bodies, int(acked)


def _with_payload(body: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {**body, "payload": {**body["payload"], **change}}


def _seq_of(bodies: list[dict[str, Any]], sale_id: str) -> int:
    return next(i for i, b in enumerate(bodies) if b["payload"].get("sale_id") == sale_id)


def _rebuild_gives_the_same_rows(server: Any) -> None:
    live = sync_kit.master(server, FOLDED_SQL, 1)
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert sync_kit.master(server, FOLDED_SQL, 1) == live


def _quarantine_page(server: Any, till: Any) -> str:
    with sync_kit.hq_owner(server) as hq:
        page = hq.get(f"/hq/terminales/{till.client.terminal_id}/cuarentena")
    assert page.status_code == 200, page.text
    return " ".join(page.text.split())


def _until_verdicts(server: Any, sii_url: str, standin: sii_standin.StandIn) -> None:
    """Scheduler passes (sign, pack, upload, poll) a minute apart until every document has the SII's verdict."""
    now = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)

    async def passes(pool: psycopg_pool.AsyncConnectionPool) -> None:
        nonlocal now
        client = ws.client_for("standin", sii_url, timeout=10)
        try:
            resolution = await scheduler.emisor_resolution(pool, 1)
            for _ in range(10):
                standin.at(now)
                await worker.run_once(pool, 1, SECRET, client, resolution, now=now)
                waiting = sync_kit.admin(server, "SELECT count(*) FROM dte_outbox WHERE state <> ALL(%s)",
                                         (list(FINAL),))
                if waiting == [(0,)]:
                    return
                now += timedelta(minutes=1)
        finally:
            await client.http.aclose()
        raise AssertionError(sync_kit.admin(server, "SELECT tipo, folio, state, last_error FROM dte_outbox"))

    server.run(passes)


def _documents_in(body: bytes) -> dict[int, dict[str, Any]]:
    """Per folio, the total and the number of detail lines of each DTE of an uploaded envelope."""
    out = {}
    for dte in xmlcore.parse(body).iter("{" + xmlcore.SII_NS + "}DTE"):
        fields = {xmlcore.localname(el): (el.text or "").strip() for el in dte.iter() if isinstance(el.tag, str)}
        lines = [el for el in dte.iter() if isinstance(el.tag, str) and xmlcore.localname(el) == "Detalle"]
        out[int(fields["Folio"])] = {"MntTotal": int(fields["MntTotal"]), "lines": len(lines)}
    return out


def test_a_boleta_whose_sale_clashes_with_the_master_is_accepted_by_the_sii(server, till, standin):
    sii, sii_url = standin
    first = _sell(till, ["4001"])
    clash = _sell(till, ["4002", "4003"])  # its second line will repeat the first one's line_id
    last = _sell(till, ["4004", "4005"])
    bodies, acked = _unsent(server, till)
    at = _seq_of(bodies, clash.sale_id)
    lines = bodies[at]["payload"]["lines"]
    bodies[at] = _with_payload(bodies[at], lines=[lines[0], {**lines[1], "line_id": lines[0]["line_id"]}])
    # the same sale received again, with its boleta (a replay): its sale_id and its folio are taken
    replay = bodies[_seq_of(bodies, first.sale_id)]
    bodies.append({**replay, "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1})
    chain = sync_kit.chain(bodies)
    assert [e.hash for e in chain[:acked]] == [e.hash for e in till.terminal.journal.read(1, limit=acked)]

    response = sync_kit.push(server, till, chain[acked:])
    assert response.status_code == 200, response.text
    sent = len(chain) - acked
    # each quarantined event counts once, whatever became of its boleta
    assert response.json() == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash,
                               "applied": sent - 2, "quarantined": 2}
    clash_folio, first_folio = clash.document.folio, first.document.folio
    assert sync_kit.admin(server, "SELECT seq, reason, folded FROM quarantine ORDER BY seq") == [
        (chain[at].seq, f"line_id repetido: la línea {lines[0]['line_id']} aparece más de una vez en la venta"
                        f" {clash.sale_id} (lines[1]); su boleta N° {clash_folio} se envía igual al SII", False),
        (chain[-1].seq, f"sale_id repetido: la venta {first.sale_id} ya llegó en el evento seq"
                        f" {chain[_seq_of(bodies, first.sale_id)].seq} (época 1) de esta caja; su boleta N°"
                        f" {first_folio} tampoco se registró: folio {first_folio} del tipo 39 ya fue emitido:"
                        " documento duplicado", False)]
    # the sale is out of the read models (and stays out of a rebuild); its boleta waits in the outbox
    assert {r[0] for r in sync_kit.admin(server, "SELECT sale_id FROM sales")} == {first.sale_id, last.sale_id}
    assert sync_kit.admin(server, "SELECT count(*) FROM sale_lines WHERE sale_id = %s", (clash.sale_id,)) == [(0,)]
    _rebuild_gives_the_same_rows(server)
    assert sync_kit.admin(server, "SELECT d.folio, d.sale_id, d.seq, o.state FROM dte_documents d JOIN dte_outbox o"
                                  " USING (tenant_id, tipo, folio) ORDER BY d.folio") == [
        (first_folio, first.sale_id, chain[_seq_of(bodies, first.sale_id)].seq, "issued"),
        (clash_folio, clash.sale_id, chain[at].seq, "issued"),
        (last.document.folio, last.sale_id, chain[_seq_of(bodies, last.sale_id)].seq, "issued")]
    assert sync_kit.admin(server, "SELECT sum(issued) FROM folio_leases WHERE tipo = 39") == [(3,)]
    assert f"su boleta N° {clash_folio} se envía igual al SII" in _quarantine_page(server, till)

    _until_verdicts(server, sii_url, sii)
    assert sync_kit.admin(server, "SELECT folio, state, last_error FROM dte_outbox ORDER BY folio") == [
        (first_folio, "accepted", None), (clash_folio, "accepted", None), (last.document.folio, "accepted", None)]
    uploaded: dict[int, dict[str, Any]] = {}
    for body in sii.bodies:
        uploaded.update(_documents_in(body))
    # the boleta the customer holds: both lines, the sale's total, the till's TED (the stand-in checked it)
    assert uploaded[clash_folio] == {"MntTotal": clash.total, "lines": 2}
    assert sorted(uploaded) == sorted([first_folio, clash_folio, last.document.folio])


def test_a_boleta_whose_sale_has_no_valid_quantity_waits_with_its_error_and_the_others_are_signed(server, till):
    sold = [_sell(till, ["4001"]), _sell(till, ["4002", "4003"]), _sell(till, ["4004"])]
    bodies, acked = _unsent(server, till)
    at = _seq_of(bodies, sold[1].sale_id)
    lines = bodies[at]["payload"]["lines"]
    bodies[at] = _with_payload(bodies[at], lines=[{**lines[0], "quantity": "NaN"}, lines[1]])
    chain = sync_kit.chain(bodies)

    response = sync_kit.push(server, till, chain[acked:])
    assert response.status_code == 200, response.text
    assert (response.json()["applied"], response.json()["quarantined"]) == (len(chain) - acked - 1, 1)
    folio = sold[1].document.folio
    assert sync_kit.admin(server, "SELECT seq, reason FROM quarantine") == [
        (chain[at].seq, f"el campo lines[0].quantity (NaN) no es un número finito; su boleta N° {folio} se envía"
                        " igual al SII")]
    assert {r[0] for r in sync_kit.admin(server, "SELECT sale_id FROM sales")} == {sold[0].sale_id, sold[2].sale_id}
    _rebuild_gives_the_same_rows(server)

    # one pass: the absurd boleta (between the other two) keeps its error; the others are signed in the same pass
    result = server.run(lambda pool: pipeline.sign_pending(pool, 1, SECRET))
    assert result == pipeline.SignResult(2, 1)
    outbox = {f: rest for f, *rest in sync_kit.admin(server, "SELECT folio, state, attempts, last_error, xml IS NULL"
                                                             " FROM dte_outbox")}
    state, attempts, error, no_xml = outbox.pop(folio)
    assert (state, attempts, no_xml) == ("issued", 1, True)
    assert error.startswith("error inesperado al armar o firmar el documento (InvalidOperation"), error
    assert {tuple(rest) for rest in outbox.values()} == {("signed", 0, None, False)}
    assert sorted(outbox) == [sold[0].document.folio, sold[2].document.folio]
    with sync_kit.hq_owner(server) as hq:
        page = " ".join(hq.get("/hq/documentos").text.split())
    assert "error inesperado al armar o firmar el documento (InvalidOperation" in page


def test_a_document_that_does_not_fit_its_columns_is_not_recorded(server, till):
    """A quarantined sale whose stamped document is itself out of range: nothing to send, nothing recorded."""
    sale = _sell(till, ["4001"])
    bodies, acked = _unsent(server, till)
    at = _seq_of(bodies, sale.sale_id)
    document = bodies[at]["payload"]["document"]
    bodies[at] = _with_payload(bodies[at], document={**document, "folio": 2**63})
    chain = sync_kit.chain(bodies)
    response = sync_kit.push(server, till, chain[acked:])
    assert response.status_code == 200, response.text
    assert response.json()["quarantined"] == 1
    [(reason,)] = sync_kit.admin(server, "SELECT reason FROM quarantine")
    assert reason.startswith("el campo document.folio (9223372036854775808)") and "SII" not in reason
    assert sync_kit.admin(server, "SELECT count(*) FROM dte_documents") == [(0,)]
    assert sync_kit.admin(server, "SELECT count(*) FROM sales") == [(0,)]
