"""HQ's answers to the suppliers' facturas the store registered (Ley 19.983), as the master sends them: the read
model of ``purchase.answer_received`` and the back office's read-only list of the store's facturas with their
deadline and state (:func:`shared.supplier_answers.window`); docs/supplier-answers.md.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date

from shared import supplier_answers as rules
from shared.events import envelope
from shared.events import purchases as events

TABLES = ("supplier_answers",)
"""Cleared and refolded by ``rebuild-projections``."""


def received(conn: sqlite3.Connection, entry: envelope.Envelope, e: events.SupplierAnswerReceived) -> None:
    """The master's latest view of the document's answers replaces the one before."""
    conn.execute("INSERT OR REPLACE INTO supplier_answers (supplier_rut, tipo, folio, received, taken, action,"
                 " message, answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.supplier_rut, e.tipo, e.folio, e.received, json.dumps(list(e.taken)), e.action, e.message,
                  e.answered_by, e.answered_at))


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """A registered factura (33, 34) of the store with its :class:`~shared.supplier_answers.Window` and, when HQ
    answered, the last answer (``action``, the SII's ``message``)."""

    supplier_rut: str
    supplier: str
    tipo: int
    folio: int
    fecha_emision: str
    window: rules.Window
    action: str
    message: str


def rows(conn: sqlite3.Connection, today: date, limit: int = 200) -> list[AnswerRow]:
    """The store's registered facturas (types the SII's register takes) issued in the last 60 days or still open
    before that, newest first, with their state on ``today`` (Chile date)."""
    found = conn.execute(
        "SELECT p.supplier_rut, COALESCE(s.razon_social, ''), p.tipo, p.folio, p.fecha_emision, a.received,"
        " a.taken, a.action, a.message FROM purchases p LEFT JOIN suppliers s ON s.rut = p.supplier_rut"
        " LEFT JOIN supplier_answers a ON a.supplier_rut = p.supplier_rut AND a.tipo = p.tipo AND a.folio = p.folio"
        " WHERE p.tipo IN (33, 34, 43) AND p.fecha_emision >= ?"
        " ORDER BY p.fecha_emision DESC, p.folio DESC LIMIT ?",
        (date.fromordinal(today.toordinal() - 60).isoformat(), limit)).fetchall()
    out = []
    for rut, name, tipo, folio, fecha, got, taken, action, message in found:
        window = rules.window(tipo, date.fromisoformat(fecha), date.fromisoformat(got) if got else None,
                              json.loads(taken) if taken else (), today)
        out.append(AnswerRow(rut, name, tipo, folio, fecha, window, action or "", message or ""))
    return out
