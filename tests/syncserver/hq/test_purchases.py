"""HQ's Compras answering suppliers' facturas (Ley 19.983) through the SII stand-in: the deadline shown (estimated
from the fecha de emisión until the SII is asked), accept on day 7 taken, a claim on day 9 refused, a claim of an
accepted factura refused, every answer and the SII's word kept with the document; bad answers refused in Spanish
with nothing sent; the dashboard's alert lists the facturas with 2 days or fewer left."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from starlette.types import ASGIApp

from syncserver import sii_standin
from syncserver.hq import web
from syncserver.sii import acceptance
from syncserver.store import db, supplier_answers
from tests.syncserver.dte.sii_kit import sii_client, standin_url
from tests.syncserver.hq.hq_support import World
from tests.syncserver.hq.purchases_kit import COLUN, LIDER, SECRET, register, text

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]

def test_answers_to_suppliers_through_the_sii(world: World, served: Served, serve_in_thread: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(web.CHILE).date()
    day7, day9, day6 = today - timedelta(days=7), today - timedelta(days=9), today - timedelta(days=6)
    register(world, [("centro", LIDER, 33, 500, day7), ("norte", COLUN, 33, 600, day9),
                     ("centro", COLUN, 34, 700, day6), ("centro", LIDER, 61, 501, day7),
                     ("centro", LIDER, 33, 800, day6)])  # 800: the SII never received it
    standin = sii_standin.StandIn()
    standin.at(now)
    received_500 = now - timedelta(days=7)
    standin.reclamos.receive("96542180-7", 33, 500, "76123456-0", received_500)
    standin.reclamos.receive("81094100-6", 33, 600, "76123456-0", now - timedelta(days=9))
    standin.reclamos.receive("81094100-6", 34, 700, "76123456-0", now - timedelta(days=6))

    with standin_url(serve_in_thread, standin) as url:  # type: ignore[arg-type]
        async def scenario() -> dict[str, Any]:
            app = world.app(sii_environment="standin", sii_url=url, dte_interval=0)
            async with served(app) as client:
                await World.login(client)

                async def page(month: date) -> str:
                    answer = await client.get(f"/hq/compras?mes={month:%Y-%m}")
                    assert answer.status_code == 200
                    return answer.text

                async def post(folio: int, action: str, reason: str = "", tipo: int = 33,
                               rut: str = "96542180-7", month: date = day7) -> httpx.Response:
                    form = {"csrf": World.token(await page(month)), "rut": rut, "tipo": str(tipo),
                            "folio": str(folio), "accion": action, "motivo": reason, "mes": f"{month:%Y-%m}"}
                    return await client.post("/hq/compras/respuesta", data=form)

                out: dict[str, Any] = {"before": await page(day7)}
                async with db.tenant_tx(app.state.pool, 1) as conn:
                    out["due_before"] = await supplier_answers.due_soon(conn, 1, ["centro", "norte"], today)
                out["dashboard_before"] = (await client.get("/hq/panel")).text
                out["accept"] = await post(500, "ACD", "Todo conforme")
                out["after_accept"] = await page(day7)
                out["claim_accepted"] = await post(500, "RCD", "Precio distinto al acordado")
                out["late_claim"] = await post(600, "RCD", "Faltan 3 cajas", rut="81094100-6", month=day9)
                out["no_reason"] = await post(700, "RFP", "", tipo=34, rut="81094100-6", month=day6)
                out["nota"] = await post(501, "ACD", "", tipo=61)
                out["unknown"] = await post(999, "ACD")
                out["after"] = await page(day7)
                async with db.tenant_tx(app.state.pool, 1) as conn:
                    out["due_after"] = await supplier_answers.due_soon(conn, 1, ["centro", "norte"], today)
                    out["due_norte"] = await supplier_answers.due_soon(conn, 1, ["norte"], today)
                # the scheduler's pass asks the SII's reception of what is still to answer, once
                async with sii_client(url) as sii:
                    asked = [await acceptance.refresh_receptions(app.state.pool, 1, SECRET, sii, now=now)
                             for _ in range(2)]
                    asked.append(await acceptance.refresh_receptions(app.state.pool, 1, SECRET, sii,
                                                                     now=now + timedelta(hours=7)))
                out["asked"] = asked
                async with db.tenant_tx(app.state.pool, 1) as conn:
                    out["due_known"] = await supplier_answers.due_soon(conn, 1, ["centro", "norte"], today)
                return out

        out = asyncio.run(scenario())

    before = text(out["before"])
    # day 7 (estimated from the fecha de emisión until the SII is asked): 1 day left, the form offered
    assert (f"Por responder plazo hasta el {day7 + timedelta(days=8):%d-%m-%Y} (estimado) , queda 1 día Responder"
            in before)
    assert 'action="/hq/compras/respuesta"' in out["before"] and "No se responde" in before  # the nota de crédito
    assert [(d.folio, d.days_left, d.estimated) for d in out["due_before"]] == [(500, 1, True), (700, 2, True),
                                                                                 (800, 2, True)]
    assert "3 facturas de proveedor por responder al SII" in text(out["dashboard_before"])
    assert f'href="/hq/compras?mes={day7:%Y-%m}#doc-33-500"' in out["dashboard_before"]

    assert out["accept"].status_code == 303
    assert out["accept"].headers["location"] == f"/hq/compras?mes={day7:%Y-%m}&aviso=tomada#doc-33-500"
    accepted = text(out["after_accept"])
    deadline_500 = received_500.astimezone(web.CHILE).date() + timedelta(days=8)
    assert (f"Aceptado plazo: {deadline_500:%d-%m-%Y} Aceptar el contenido («Todo conforme»): SII 0, Acción completada"
            " OK" in accepted)
    assert out["claim_accepted"].headers["location"].endswith("aviso=rechazada#doc-33-500")
    assert out["late_claim"].headers["location"].endswith("aviso=rechazada#doc-33-600")
    assert "un reclamo necesita un motivo" in text(out["no_reason"].text) and out["no_reason"].status_code == 400
    assert "solo recibe respuestas a facturas" in text(out["nota"].text) and out["nota"].status_code == 400
    assert out["unknown"].status_code == 404
    after = text(out["after"])
    assert "Aceptado plazo: " in after and "Reclamar el contenido («Precio distinto al acordado»): SII 11" in after
    # kept with the document: every attempt in order with the SII's code; the reception that starts the window
    kept = world.rows("SELECT supplier_rut, tipo, folio, attempt, action, reason, actor, code FROM supplier_answers"
                      " ORDER BY folio, attempt")
    assert kept == [("96542180-7", 33, 500, 1, "ACD", "Todo conforme", "pepe@donpepe.cl", 0),
                    ("96542180-7", 33, 500, 2, "RCD", "Precio distinto al acordado", "pepe@donpepe.cl", 11),
                    ("81094100-6", 33, 600, 1, "RCD", "Faltan 3 cajas", "pepe@donpepe.cl", 8)]
    assert world.rows("SELECT folio, received_at FROM supplier_receptions WHERE folio < 700 ORDER BY folio") == [
        (500, received_500), (600, now - timedelta(days=9))]
    assert [e.code for e in standin.reclamos.documents[("96542180-7", 33, 500)].events] == ["ACD"]
    assert standin.reclamos.documents[("81094100-6", 33, 600)].events == []
    assert [(d.folio, d.days_left) for d in out["due_after"]] == [(700, 2), (800, 2)] and out["due_norte"] == []
    # 700 and 800 asked; nothing again at once; 7 hours later only 800 (the SII had not received it) is asked again
    assert out["asked"] == [2, 0, 1]
    assert [(d.folio, d.days_left, d.estimated) for d in out["due_known"]] == [(700, 2, False), (800, 2, True)]
    assert world.rows("SELECT folio, received_at IS NULL FROM supplier_receptions WHERE folio >= 700 ORDER BY folio"
                      ) == [(700, False), (800, True)]
    assert world.rows("SELECT count(*) FROM audit_log WHERE kind = 'supplier_answer'") == [(3,)]
    # the store that registered each purchase gets the answers through the change feed (the last is the refusal,
    # the taken ones stay ACD)
    fed = world.rows("SELECT key, store_id, data FROM changes WHERE kind = 'supplier_answer' ORDER BY change_id")
    assert [(k, store) for k, store, _d in fed] == [("96542180-7:33:500", "centro"), ("96542180-7:33:500", "centro"),
                                                   ("81094100-6:33:600", "norte")]
    last = fed[1][2] if isinstance(fed[1][2], dict) else json.loads(fed[1][2])
    assert (last["taken"], last["action"], last["received"]) == (
        ["ACD"], "RCD", received_500.astimezone(web.CHILE).date().isoformat())
