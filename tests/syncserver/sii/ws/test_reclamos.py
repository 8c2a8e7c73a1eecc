"""The Registro de Reclamos as the client speaks it against the stand-in served by uvicorn: the 8-day window with a
clock (day 7 taken, day 9 refused with code 8), an accepted document cannot be claimed (11), a claimed one cannot be
accepted (12), the history and the SII's reception as the service writes them; the wire format read back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from syncserver import sii_standin
from syncserver.sii import ws
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws import reclamos
from tests.syncserver.dte.sii_kit import holder_signer, sii_client, standin_url

BUYER = "76.235.291-5"
SUPPLIER = "96542180-7"


def test_the_window_and_the_rules_through_the_service(serve_in_thread: object) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    standin = sii_standin.StandIn()
    standin.at(now)
    registro = standin.reclamos
    registro.receive(SUPPLIER, 33, 100, "76235291-5", now - timedelta(days=7))  # day 7: still in time
    registro.receive(SUPPLIER, 33, 101, "76235291-5", now - timedelta(days=9))  # day 9: too late
    registro.receive(SUPPLIER, 34, 102, "76235291-5", now - timedelta(days=1))
    account = ws.Account.of(1, BUYER, holder_signer())

    with standin_url(serve_in_thread, standin) as url:  # type: ignore[arg-type]
        async def scenario() -> dict[str, object]:
            async with sii_client(url) as client:
                def act(folio: int, action: str, tipo: int = 33) -> object:
                    return reclamos.register(client, account, issuer_rut=SUPPLIER, tipo=tipo, folio=folio,
                                             action=action)

                out: dict[str, object] = {
                    "received": await reclamos.reception(client, account, issuer_rut=SUPPLIER, tipo=33, folio=100),
                    "unknown_reception": await reclamos.reception(client, account, issuer_rut=SUPPLIER, tipo=33,
                                                                  folio=999),
                    "none_yet": await reclamos.events(client, account, issuer_rut=SUPPLIER, tipo=33, folio=100),
                    "day7_accept": await act(100, "ACD"),
                    "accept_again": await act(100, "ACD"),
                    "claim_accepted": await act(100, "RCD"),
                    "day9_claim": await act(101, "RCD"),
                    "day9_accept": await act(101, "ACD"),
                    "claim": await act(102, "RFP", 34),
                    "second_claim": await act(102, "RFT", 34),
                    "accept_claimed": await act(102, "ACD", 34),
                    "receipt_claimed": await act(102, "ERM", 34),
                    "nota": await act(100, "ACD", 61),
                    "unknown": await act(999, "ACD"),
                    "history": await reclamos.events(client, account, issuer_rut=SUPPLIER, tipo=33, folio=100),
                }
                with pytest.raises(ValueError, match="acción desconocida"):
                    await act(100, "XYZ")
                return out

        out = asyncio.run(scenario())

    codes = {k: v.code for k, v in out.items() if isinstance(v, reclamos.Answer)}
    assert codes == {"none_yet": 16, "day7_accept": 0, "accept_again": 7, "claim_accepted": 11, "day9_claim": 8,
                     "day9_accept": 8, "claim": 0, "second_claim": 5, "accept_claimed": 12, "receipt_claimed": 6,
                     "nota": 3, "unknown": 18, "history": 15}
    received = out["received"]
    assert isinstance(received, datetime) and received == now - timedelta(days=7)  # to the second, Chile time
    assert out["unknown_reception"] is None
    history = out["history"]
    assert isinstance(history, reclamos.Answer)
    assert [(e.code, e.rut, e.at) for e in history.events] == [("ACD", "12345678-5", reclamos.stamp(now))]
    assert "8 días" in out["day9_claim"].message  # type: ignore[union-attr]
    # every call went to the service's path with the DTE token (one handshake)
    assert standin.requests.count("POST " + ep.RECLAMOS) == 15  # the unknown action is never sent
    assert standin.requests.count("POST " + ep.GET_TOKEN) == 1


def test_window_edges_by_chile_calendar_day() -> None:
    """Received late on the 1st (Chile), the 9th is the last day all day long; the 10th at 00:00 is late."""
    registro = sii_standin.StandIn().reclamos
    received = datetime(2026, 11, 1, 23, 50, tzinfo=reclamos.CHILE)
    registro.receive(SUPPLIER, 33, 1, "76235291-5", received)
    registro.receive(SUPPLIER, 33, 2, "76235291-5", received)
    last = datetime(2026, 11, 9, 23, 59, 59, tzinfo=reclamos.CHILE)
    assert registro.act(SUPPLIER, 33, 1, "RCD", "1-9", last).code == 0
    assert registro.act(SUPPLIER, 33, 2, "RCD", "1-9", last + timedelta(seconds=1)).code == 8


def test_wire_format_reads_back_and_refuses_what_it_cannot_read() -> None:
    answer = reclamos.Answer(15, "Listado de eventos del documento",
                             (reclamos.Event("RFP", "Reclamo por falta parcial", "12345678-5", "21-02-2017 19:02:03"),))
    assert reclamos.read_answer(reclamos.response("listarEventosHistDoc", answer), "listarEventosHistDoc") == answer
    when = reclamos.read_reception(reclamos.response("consultarFechaRecepcionSii", "21-02-2017 19:02:03"))
    assert when == datetime(2017, 2, 21, 19, 2, 3, tzinfo=reclamos.CHILE)
    assert reclamos.read_reception(reclamos.response("consultarFechaRecepcionSii", "")) is None
    op, params = reclamos.read_request(reclamos.request("ingresarAceptacionReclamoDoc", "96.542.180-7", 33, 5, "ACD"))
    assert (op, params) == ("ingresarAceptacionReclamoDoc",
                            {"rutEmisor": "96542180", "dvEmisor": "7", "tipoDoc": "33", "folio": "5",
                             "accionDoc": "ACD"})
    with pytest.raises(ws.SiiUnavailable, match="reintente"):
        reclamos.read_answer(reclamos.response("listarEventosHistDoc", reclamos.Answer(-1, "x")),
                             "listarEventosHistDoc")
    with pytest.raises(ws.SiiBadAnswer, match="desconocido"):
        reclamos.read_answer(reclamos.response("listarEventosHistDoc", reclamos.Answer(77, "x")),
                             "listarEventosHistDoc")
    with pytest.raises(ws.SiiBadAnswer, match="no trae ingresarAceptacionReclamoDocResponse"):
        reclamos.read_answer(reclamos.response("listarEventosHistDoc", answer), "ingresarAceptacionReclamoDoc")
    with pytest.raises(ws.SiiBadAnswer, match="no es legible"):
        reclamos.read_reception(reclamos.response("consultarFechaRecepcionSii", "mañana"))
    with pytest.raises(ws.SiiBadAnswer):
        reclamos.read_answer(b"<html>mantencion</html>", "listarEventosHistDoc")
    assert ep.endpoints("produccion").reclamos == "https://ws1.sii.cl/WSREGISTRORECLAMODTE/registroreclamodteservice"
    assert ep.endpoints("certificacion").reclamos.startswith("https://ws2.sii.cl/WSREGISTRORECLAMODTECERT/")
