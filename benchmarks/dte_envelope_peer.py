"""The peer side of ``dte_envelope``: PyPI ``facturacion-electronica`` builds, signs and validates the same boletas in
EnvioBOLETA envelopes of 50. Run ONLY with the interpreter of its own virtualenv (``var/bench/fe-venv``), never the
project's: this file imports nothing of Almacén.

``python dte_envelope_peer.py JOB.json`` reads the job the benchmark wrote (certificate, CAF, emisor, boletas with
the TED the till stamped) and prints one JSON line: ``{"docs", "seconds", "docs_per_s", "envelope_ms": [...],
"version", "mode"}``; the last envelope is written to ``job["out"]`` so the benchmark can check its signatures.

Modes:

- ``stamped`` (the baseline): the TED stamped at the till is put into each document as is, as our server does. The
  library has no call for that (``Documento.timbrar`` always re-stamps when it has a CAF), so ``DTE.set_barcode``
  is replaced by a function that appends the given TED and ``TmstFirma``; everything else (building the document
  from JSON, the per-document signature and its XSD check, the Caratula, the SetDTE signature and the
  EnvioBOLETA XSD check) is the library's own ``Envio.do_dte_send``.
- ``as_shipped``: the library as it is, stamping each TED again with the CAF key and drawing its PDF417 PNG.

Nothing is sent: ``test = True`` leaves ``Envio.conexion`` unset, so ``do_dte_send`` only builds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def _document(boleta: dict[str, Any]) -> dict[str, Any]:
    lines = []
    for n, line in enumerate(boleta["lines"], 1):
        item: dict[str, Any] = {"NroLinDet": n, "NmbItem": line["name"], "QtyItem": line["qty"],
                                "PrcItem": line["price"], "MontoItem": line["amount"],
                                "Impuesto": [{"CodImp": 14, "price_include": True, "TasaImp": 19}]}
        if line.get("code"):
            item["CdgItem"] = {"TpoCodigo": "INT1", "VlrCodigo": line["code"]}
        if line.get("unit"):
            item["UnmdItem"] = line["unit"]
        if line.get("discount"):
            item["DescuentoMonto"] = line["discount"]
        lines.append(item)
    return {
        "Encabezado": {
            "IdDoc": {"Folio": boleta["folio"], "FechaEmis": boleta["fecha"], "IndServicio": 3},
            "Receptor": {"RUTRecep": "66666666-6", "RznSocRecep": "CONSUMIDOR FINAL"},
            "Totales": {"MntNeto": boleta["neto"], "MntIVA": boleta["iva"], "MntTotal": boleta["total"]},
        },
        "Detalle": lines,
    }


def _patch_stamped(teds: dict[int, bytes]) -> None:
    """``DTE.set_barcode`` that inserts the TED stamped at the till instead of stamping again."""
    from facturacion_electronica import dte as dte_mod
    from lxml import etree

    latin1 = etree.XMLParser(encoding="ISO-8859-1")  # the TED's bytes (the CAF's RS may carry an Ñ)

    def set_barcode(self: Any, xml: Any) -> None:
        ted = teds[int(self.Folio)]
        xml.append(etree.fromstring(ted, latin1))
        self.sii_barcode = ted
        etree.SubElement(xml, "TmstFirma").text = self.timestamp_timbre

    dte_mod.DTE.set_barcode = set_barcode


def main(job_path: str) -> int:
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    if job.get("cpu") is not None:
        os.sched_setaffinity(0, {int(job["cpu"])})
    import facturacion_electronica
    from facturacion_electronica.envio import Envio

    mode = job.get("mode", "stamped")
    if mode == "stamped":
        _patch_stamped({b["folio"]: b["ted"].encode("iso-8859-1") for b in job["boletas"]})
    size = int(job.get("envelope", 50))
    batches = [job["boletas"][i:i + size] for i in range(0, len(job["boletas"]), size)]

    def vals(batch: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Emisor": dict(job["emisor"]),
            "firma_electronica": {"string_firma": job["pfx_b64"], "string_password": job["password"],
                                  "init_signature": True, "rut_firmante": job["rut_firmante"]},
            "test": True,  # no Conexion: build and sign only, never send
            "verify": True,  # the library's own XSD checks, as ours validates
            "RutReceptor": "60803000-K",
            "Documento": [{"TipoDTE": 39, "caf_file": [job["caf_b64"]],
                           "documentos": [_document(b) for b in batch]}],
        }

    envelope_ms: list[float] = []
    last = ""
    started = time.perf_counter()
    for batch in batches:
        t = time.perf_counter()
        result = Envio(vals(batch)).do_dte_send()
        envelope_ms.append((time.perf_counter() - t) * 1000)
        if result.get("errores") or not result.get("sii_xml_request"):
            print(json.dumps({"error": str(result.get("errores") or result)[:2000]}))
            return 1
        last = result["sii_xml_request"]
    seconds = time.perf_counter() - started
    if job.get("out"):
        with open(job["out"], "wb") as out:
            out.write(last.encode("iso-8859-1"))
    docs = sum(len(b) for b in batches)
    print(json.dumps({"docs": docs, "seconds": seconds, "docs_per_s": docs / seconds, "envelope_ms": envelope_ms,
                      "version": facturacion_electronica.__version__, "mode": mode}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
