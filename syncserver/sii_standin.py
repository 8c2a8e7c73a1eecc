"""A local stand-in for the SII's reception of EnvioBOLETA / EnvioDTE, for tests and the demo.

A separate Starlette app (``create_app(standin)``). What it checks on each upload, as the SII does: hardened
parsing, the envelope's schema (``shared/dte/data/xsd``), every XML signature (envelope and documents), and per
document its TED signature against the CAF the stand-in knows for that emisor, type and folio (registered with
:meth:`StandIn.register_caf`; the SII's keys and the stand-in's own issuer key verify the CAFs), the folio inside
that CAF, the TED's folio, type and total matching the document, and a folio not received before.

Simplified protocol (not the SII's SOAP/REST wire format, which is still to do):

- ``POST /sii/envio`` multipart field ``archivo``: ``200 {"trackid", "estado": "REC"}``; an unreadable upload is
  ``400 {"error"}``.
- ``GET /sii/envio/{trackid}``: ``{"trackid", "estado": "EPR", "aceptados", "rechazados", "detalle": [{"tipo",
  "folio", "estado": "ACEPTADO"|"RECHAZADO", "motivo"}]}``; ``404`` for an unknown track id. An envelope that fails
  schema or signatures is ``"estado": "RCT"`` with ``motivo``, every document rejected.

Faults on demand (:meth:`StandIn.inject`): the next N requests answer a status (e.g. 503) with an optional
``Retry-After``.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.dte import caf as caf_mod
from shared.dte import errors, schema, signature, ted, xmlcore
from syncserver.dte import folios, pipeline

MAX_UPLOAD = 16 * 1024 * 1024
NS = {"s": xmlcore.SII_NS}


@dataclass
class Fault:
    status: int
    retry_after: int | None = None


@dataclass
class StandIn:
    """The stand-in's state: known CAFs, received envelopes by track id, queued faults."""

    keys: dict[int, rsa.RSAPublicKey] = field(default_factory=lambda: dict(folios.sii_keys()))
    cafs: list[caf_mod.Caf] = field(default_factory=list)
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: dict[tuple[str, int, int], bytes] = field(default_factory=dict)
    """(RUT, tipo, folio) -> the document's signature value: the identical document sent again (a retry whose
    answer was lost) is accepted again, another document with the same folio is rejected."""
    faults: deque[Fault] = field(default_factory=deque)
    uploads: int = 0
    bodies: list[bytes] = field(default_factory=list)
    """Every envelope received, as received (tests compare retries byte for byte)."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def register_caf(self, data: bytes) -> caf_mod.Caf:
        """A CAF the SII has granted (verified with ``keys``)."""
        caf = caf_mod.parse_caf(data)
        caf_mod.verify_caf(caf, self.keys)
        self.cafs.append(caf)
        return caf

    def inject(self, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        self.faults.extend(Fault(status, retry_after) for _ in range(times))

    def _caf_for(self, rut: str, tipo: int, folio: int) -> caf_mod.Caf | None:
        return next((c for c in self.cafs if c.rut_emisor == rut and c.tipo_dte == tipo and c.contains(folio)), None)

    def receive(self, data: bytes) -> dict[str, Any]:
        """Validate an envelope and record its verdict; returns the status answer."""
        track = str(next(self._ids))
        self.uploads += 1
        self.bodies.append(data)
        try:
            root = xmlcore.parse(data)
            schema.validate(root, pipeline.XSD_DIR)
            signature.require_valid(root)
        except errors.DteError as exc:
            verdict = {"trackid": track, "estado": "RCT", "motivo": str(exc), "detalle": []}
            self.envelopes[track] = verdict
            return verdict
        detalle = [self._document(dte) for dte in root.iterfind("s:SetDTE/s:DTE", NS)]
        accepted = sum(1 for d in detalle if d["estado"] == "ACEPTADO")
        verdict = {"trackid": track, "estado": "EPR", "aceptados": accepted, "rechazados": len(detalle) - accepted,
                   "detalle": detalle}
        self.envelopes[track] = verdict
        return verdict

    def _document(self, dte: etree._Element) -> dict[str, Any]:
        tipo = int(xmlcore.text(dte, "Documento/Encabezado/IdDoc/TipoDTE") or 0)
        folio = int(xmlcore.text(dte, "Documento/Encabezado/IdDoc/Folio") or 0)
        rut = (xmlcore.text(dte, "Documento/Encabezado/Emisor/RUTEmisor") or "").strip().upper()
        total = int(xmlcore.text(dte, "Documento/Encabezado/Totales/MntTotal") or 0)

        def rejected(motivo: str) -> dict[str, Any]:
            return {"tipo": tipo, "folio": folio, "estado": "RECHAZADO", "motivo": motivo}

        caf = self._caf_for(rut, tipo, folio)
        if caf is None:
            return rejected(f"folio {folio} del tipo {tipo} no está en un CAF autorizado de {rut}")
        timbre = dte.find("s:Documento/s:TED", NS)
        if timbre is None:
            return rejected("documento sin TED")
        try:
            data = ted.verify_ted(timbre, caf.public_key)
        except errors.DteError as exc:
            return rejected(f"TED inválido: {exc}")
        if (data.tipo_dte, data.folio, data.monto_total) != (tipo, folio, total):
            return rejected("el TED no corresponde al documento (tipo, folio o total)")
        digest = (dte.findtext("{http://www.w3.org/2000/09/xmldsig#}Signature/"
                               "{http://www.w3.org/2000/09/xmldsig#}SignatureValue") or "").encode()
        if self.received.setdefault((rut, tipo, folio), digest) != digest:
            return rejected(f"folio {folio} del tipo {tipo} ya fue recibido")
        return {"tipo": tipo, "folio": folio, "estado": "ACEPTADO", "motivo": ""}


def _fault(standin: StandIn) -> JSONResponse | None:
    if not standin.faults:
        return None
    fault = standin.faults.popleft()
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return JSONResponse({"error": "servicio no disponible"}, status_code=fault.status, headers=headers)


async def upload(request: Request) -> JSONResponse:
    standin: StandIn = request.app.state.standin
    if (fault := _fault(standin)) is not None:
        return fault
    async with request.form(max_files=1, max_fields=5) as form:
        archivo = form.get("archivo")
        if not isinstance(archivo, UploadFile):
            return JSONResponse({"error": "falta el archivo"}, status_code=400)
        data = await archivo.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return JSONResponse({"error": "archivo demasiado grande"}, status_code=413)
    verdict = standin.receive(data)
    return JSONResponse({"trackid": verdict["trackid"], "estado": "REC"})


async def status(request: Request) -> JSONResponse:
    standin: StandIn = request.app.state.standin
    if (fault := _fault(standin)) is not None:
        return fault
    verdict = standin.envelopes.get(request.path_params["trackid"])
    if verdict is None:
        return JSONResponse({"error": "track id desconocido"}, status_code=404)
    return JSONResponse(verdict)


def create_app(standin: StandIn | None = None) -> Starlette:
    app = Starlette(routes=[Route("/sii/envio", upload, methods=["POST"]),
                            Route("/sii/envio/{trackid}", status, methods=["GET"])])
    app.state.standin = standin or StandIn()
    return app


def main(argv: list[str] | None = None) -> int:
    """``python -m syncserver.sii_standin [--host H] [--port N] [--caf FILE ...]``: serve the stand-in."""
    import argparse
    from pathlib import Path

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m syncserver.sii_standin", description="simulador local del SII")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--caf", type=Path, action="append", default=[], help="CAF autorizado (se puede repetir)")
    args = parser.parse_args(argv)
    standin = StandIn()
    for path in args.caf:
        standin.register_caf(path.read_bytes())
    uvicorn.run(create_app(standin), host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
