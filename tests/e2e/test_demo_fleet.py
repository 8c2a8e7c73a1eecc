"""``./scripts/demo --headless``: the SII stand-in, the server, HQ setup (emisor, certificate, CAFs), an enrolled
till selling boletas, facturas and returns offline and syncing, the owner's nota de débito in HQ, and every document
signed, sent and accepted, as one command."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from shared.dte import schema, signature
from syncserver.dte import pipeline

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_headless_demo_runs_the_whole_system():
    folder = Path(tempfile.mkdtemp(prefix="almacen-demo-"))
    os.chmod(folder, 0o755)  # the embedded PostgreSQL runs as the postgres user
    try:
        result = subprocess.run([sys.executable, "scripts/demo_fleet.py", "--headless", "--sales", "12", "--out",
                                 str(folder / "out")], cwd=ROOT, capture_output=True, text=True, timeout=900,
                                check=False)  # only a hang guard: 407 s seen on the shared 2-core machine at load 12
        assert result.returncode == 0, result.stderr[-2000:]
        summary = json.loads((folder / "out" / "summary.json").read_text("utf-8"))
        assert summary["sales"] == summary["sales_in_master"] == 12
        assert summary["total"] == summary["total_in_master"]
        assert summary["events_pushed"] == summary["events_acknowledged"] == summary["events_in_master"]
        assert summary["stock_in_master_equals_terminal"] is True
        # the manager's back office: a factura and a guía typed in, goods moved both ways, a count and a merma;
        # the master's stock per warehouse, cost state and kardex are the till's, and HQ values the stock alike
        office = summary["back_office"]
        assert (office["purchases"], office["transfers"], office["counts_posted"], office["mermas"]) == (2, 2, 1, 1)
        assert summary["stock_per_warehouse_equal"] is summary["costs_equal"] is summary["kardex_equal"] is True
        assert summary["kardex_rows_in_master"] == summary["kardex_rows"] > 0
        assert summary["stock_value_at_cost_in_hq"] == summary["stock_value_at_cost"] > 0
        # the store's fiado: sales on credit, abonos and a reversal; the master's balances are the till's and the
        # sums of their entries
        assert summary["fiado"]["sales_on_credit"] == 3 and summary["fiado"]["reversed"] == 1
        assert summary["fiado_balances_equal"] is True
        assert summary["customers_with_balance_in_master"] == summary["customers_with_balance"] >= 1
        # the supplier's factura accepted in HQ «Compras» through the SII stand-in's Registro de Reclamos (Ley 19.983)
        answer = summary["supplier_answer"]
        assert (answer["tipo"], answer["action"], answer["sii_code"], answer["state"]) == (33, "ACD", 0, "aceptado")
        assert len(list((folder / "out" / "receipts").glob("*.bin"))) >= 13
        assert not list((folder / "out" / "server" / "pg").glob("postmaster.pid")), "PostgreSQL left running"
        # every document reached the SII stand-in's verdict: accepted
        documents = summary["documents_by_type"]
        assert summary["sii_verdicts_complete"] is True and set(summary["documents_by_state"]) == {"aceptado"}
        stamped = sum(n for tipo, states in documents.items() if tipo not in ("56", "61") for n in states.values())
        assert stamped == summary["sales"]
        assert sum(documents["61"].values()) == summary["cashier_actions"]["returns"] == 2
        envelopes = sorted((folder / "out" / "dte").glob("*.xml"))
        assert len(envelopes) == summary["envelopes_sent"] >= 2
        for path in envelopes:
            data = path.read_bytes()
            schema.validate(data, pipeline.XSD_DIR)
            checks = signature.verify_all(data)
            assert checks and all(c.valid for c in checks), (path.name, checks)
        pdfs = sorted((folder / "out" / "pdf").glob("*.pdf"))
        facturas = sum(sum(documents.get(t, {}).values()) for t in ("33", "34"))
        assert len(pdfs) == summary["pdfs"] == facturas + 2 + 1  # the two notas de crédito and the nota de débito
        # the owner's nota de débito on a factura, issued in HQ, signed, sent and accepted like the rest
        note = summary["nota_debito"]
        assert note["state"] == "aceptado" and documents["56"] == {"aceptado": 1}
        assert sum(b"<TipoDTE>56</TipoDTE>" in p.read_bytes() for p in envelopes) == 1
        assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
        # the month's books as HQ «Libros» exports them, equal to the books built from the master's tables
        books_out = summary["books"]
        assert books_out["equal_to_master"] is True
        ventas, compras, iva = (folder / "out" / "books" / name for name in books_out["files"])
        rows = list(csv.reader(io.StringIO(ventas.read_text("utf-8-sig"), newline=""), delimiter=";"))
        assert rows[0][:2] == ["Nro", "Tipo Doc"] and len(rows) > 1
        counted = sum(int(r[7]) for r in rows[1:] if r[1] not in ("56", "61"))
        assert counted == stamped  # every boleta and factura of the month, boletas summed per day
        assert sum(int(r[7]) for r in rows[1:] if r[1] == "61") == 2
        [debit] = [r for r in rows[1:] if r[1] == "56"]
        assert (debit[5], debit[13], debit[14]) == (str(note["folio"]), "33", str(note["factura"]))
        assert compras.read_bytes().startswith(b"\xef\xbb\xbf")
        figures = json.loads(iva.read_text("utf-8"))
        assert (figures["debito"], figures["credito"]) == (books_out["debito"], books_out["credito"])
        assert figures["remainder"] == figures["debito"] - figures["credito"] - figures["remanente_anterior"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
