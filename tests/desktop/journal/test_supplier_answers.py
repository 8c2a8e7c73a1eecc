"""HQ's answers to the store's supplier facturas at the till: the master's feed change reads back as the event it
forwarded, the event folds into the till's read model, and the back office's list gives each registered factura
its deadline and state with the same rule as HQ (shared.supplier_answers); a rebuild folds the same rows."""

from __future__ import annotations

from datetime import date, timedelta

from desktop.journal import supplier_answers
from desktop.services.sync import _event
from shared.events import codec
from shared.events import purchases as ev

LIDER = ev.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Abarrotes")


def _factura(term, tipo: int, folio: int, fecha: date) -> None:
    term.journal.append(ev.PurchaseReceived(term.journal.new_id(), LIDER, tipo, folio, fecha.isoformat(),
                                            term.journal.identity.store_id, (), 10_000, 0, 1_900, 11_900, "", False))


def test_the_masters_answer_reaches_the_back_offices_list(terminal) -> None:
    today = terminal.journal.clock().date()
    _factura(terminal, 33, 500, today - timedelta(days=3))
    _factura(terminal, 34, 600, today - timedelta(days=7))
    _factura(terminal, 52, 700, today - timedelta(days=1))  # a guía: no answer to the SII
    answer = ev.SupplierAnswerReceived("96542180-7", 33, 500, (today - timedelta(days=2)).isoformat(), ("ACD",),
                                       "ACD", "Acción completada OK", "pepe@donpepe.cl", "2026-12-07T10:00:00+00:00")
    change = {"id": 9, "kind": "supplier_answer", "key": "96542180-7:33:500", "data": codec.to_payload(answer)}
    assert _event(change) == answer
    terminal.journal.append(_event(change))

    rows = supplier_answers.rows(terminal.journal.conn, today)
    assert [(r.folio, r.supplier, r.window.state, r.window.deadline, r.window.estimated, r.window.days_left,
             r.action, r.message) for r in rows] == [
        (500, "Distribuidora Líder Mayorista SpA", "aceptado", today + timedelta(days=6), False, 6, "ACD",
         "Acción completada OK"),
        (600, "Distribuidora Líder Mayorista SpA", "pendiente", today + timedelta(days=1), True, 1, "", "")]
    assert rows[1].window.urgent and not rows[0].window.urgent
    assert supplier_answers.rows(terminal.journal.conn, today + timedelta(days=2))[1].window.state == "vencido"

    before = terminal.journal.conn.execute("SELECT * FROM supplier_answers").fetchall()
    terminal.journal.rebuild_projections()
    assert terminal.journal.conn.execute("SELECT * FROM supplier_answers").fetchall() == before
