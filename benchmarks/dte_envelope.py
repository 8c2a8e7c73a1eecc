"""dte_envelope: the server's signing path in documents per second, on one core. Per boleta what
``syncserver.dte.pipeline`` does (``build_document``: the DTE built from the stored sale with
``documents.boleta_desde_venta``; ``build_signed``: rendered with the TED the till stamped and signed by
``xml.build_dte``, validated against the XSD); per 50 boletas what ``syncserver.sii.forwarder.pack`` does
(EnvioBOLETA with its Caratula and SetDTE signature, validated). The same ``shared.dte`` calls are made here
directly (no database), so the figure is the DTE code's alone. Target: ≥ 300 documents per second.

Baseline: PyPI ``facturacion-electronica`` (``PEER_VERSION``) building, signing and validating the same boletas (same
CAF, same certificate, envelopes of 50) in the same run, one core too, in its own virtualenv ``var/bench/fe-venv``
(created with ``uv`` on first use, reused after; never the project's environment) run as a subprocess
(``benchmarks/dte_envelope_peer.py``). Its last envelope is checked here: every signature must verify and the
EnvioBOLETA must be schema-valid. ``--quick`` (and ``ALMACEN_BENCH_PEER=0``) skips the peer; then, or when it cannot
be installed or run, the baseline is the raw libraries' floor: per document one lxml C14N + SHA1 + SignedInfo C14N
+ RSA-SHA1 signature with a loaded key, and the same once per envelope (``raw_docs_per_s``, always reported).

Setup, not timed: the sales (a few lines each, some by weight, some discounted), each stamped as the till does
(``ted.stamp``) with the SII sample CAF for type 39 whose range is widened from 1-20 to 1-N in memory (same key; its
FRMA then no longer matches, which nothing here checks), so an envelope of 50 has 50 distinct folios
(``Documento/@ID`` is an ``xs:ID``); one warm-up envelope so the schemas are compiled, as in a running server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

import shared.dte
from benchmarks import common
from shared import money
from shared.dte import caf as caf_mod
from shared.dte import documents, schema, signature, ted, xml
from shared.events import sales

NAME = "dte_envelope"
TARGET_DOCS_S = 300.0
ENVELOPE = 50
ROUNDS = 3
PEER_PACKAGE = "facturacion-electronica"
PEER_VERSION = "0.24.1"
ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / "var" / "bench" / "fe-venv"
PEER_SCRIPT = Path(__file__).resolve().with_name("dte_envelope_peer.py")
SAMPLES = ROOT / "tests" / "data" / "sii" / "samples"
XSD_DIR = Path(shared.dte.__file__).resolve().parent / "data" / "xsd"  # as syncserver.dte.pipeline.XSD_DIR
CAF39 = SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml"
PFX = SAMPLES / "test_cert_selfsigned_testpass.pfx"
PFX_PASSWORD = "testpass"
RUT = "76235291-5"
DAY = date(2026, 11, 22)
EMISOR = documents.Emisor(rut=RUT, razon_social="Minimarket Don Pepe Ltda.", giro="Venta al por menor en almacenes",
                          direccion="San Lucio 138", comuna="Los Andes", ciudad="Los Andes")
PRODUCTS = (  # name, IVA-included unit price, barcode, sold by
    ("Leche Entera Colun 1 L", 1090, "7802920000015", "unit"),
    ("Pan Batido", 2490, "", "kg"),
    ("Coca-Cola 1,5 L", 1790, "7801610001196", "unit"),
    ("Arroz Tucapel Grado 1 1 kg", 1450, "7801320011102", "unit"),
    ("Aceite Belmont 1 L", 2890, "7802800533107", "unit"),
    ("Palta Hass", 4990, "", "kg"),
    ("Huevos Blancos 12 un.", 3290, "7809611700124", "unit"),
    ("Té Supremo 100 bolsitas", 2190, "7802000002137", "unit"),
)


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws
    n = max(ENVELOPE, sizes.dte_boletas - sizes.dte_boletas % ENVELOPE)
    caf = caf_mod.parse_caf(CAF39.read_bytes().replace(b"<H>20</H>", f"<H>{n}</H>".encode()))
    signer = signature.load_pfx(PFX.read_bytes(), PFX_PASSWORD)
    caratula = xml.Caratula(rut_emisor=RUT, rut_envia=signer.rut or RUT, fecha_resolucion=date(2026, 1, 2),
                            numero_resolucion=0)
    stamped = [_stamped_sale(caf, folio) for folio in range(1, n + 1)]
    cpu = max(os.sched_getaffinity(0))
    with _pinned(cpu):
        ours, envelope_s, last = _ours(stamped, signer, caratula)
        raw = _raw_floor(stamped, signer.private_key, last)
    checks = signature.require_valid(last)  # not timed: what we produced verifies (51 signatures)
    extra: dict[str, Any] = {"docs": n * ROUNDS, "envelope_docs": ENVELOPE, "cpu": cpu,
                             "p50_envelope_ms": common.ms(common.percentile(envelope_s, 50)),
                             "p99_envelope_ms": common.ms(common.percentile(envelope_s, 99)),
                             "signatures_checked": len(checks), "raw_docs_per_s": round(raw, 1)}
    log(f"  ours: {ours:.1f} doc/s on cpu {cpu}, p50 {extra['p50_envelope_ms']} ms per envelope of {ENVELOPE};"
        f" raw-library floor {raw:.1f} doc/s")
    peer, note = _peer(stamped, caf, signer, cpu, sizes, log)
    if peer is not None:
        extra.update(peer)
        baseline = float(peer["peer_docs_per_s"])
        note = (f"baseline = {PEER_PACKAGE} {PEER_VERSION} (own venv {PEER_VENV.relative_to(ROOT)}), same boletas,"
                f" CAF, certificate and envelopes of {ENVELOPE}, one core; ratio = ours/peer" + note)
    else:
        baseline = raw
        note = f"baseline = raw lxml C14N + RSA-SHA1 floor (peer not run: {note}); ratio = ours/floor"
    value = round(ours, 1)
    return common.Result(NAME, value, "doc/s", round(baseline, 1), target=f">= {TARGET_DOCS_S:.0f} doc/s",
                         met=value >= TARGET_DOCS_S, note=note, extra=extra)


# --- setup ------------------------------------------------------------------------------------------------------

def _line(folio: int, k: int) -> sales.LineSold:
    name, price, code, sold_by = PRODUCTS[(folio * 3 + k * 5) % len(PRODUCTS)]
    quantity = Decimal(f"0.{250 + (folio * 37 + k) % 700:03d}") if sold_by == "kg" else Decimal(1 + (folio + k) % 3)
    discount = 100 if (folio + k) % 7 == 0 else 0
    amount = money.round_half_up(price * quantity) - discount
    return sales.LineSold(line_id=k + 1, sku=f"SKU-{(folio + k) % 97}", name=name, unit_price=price, quantity=quantity,
                          sold_by=sold_by, iva_exempt=False, discount=discount, amount=amount, code=code)


def _stamped_sale(caf: caf_mod.Caf, folio: int) -> sales.SaleCompleted:
    """A sale of 2-5 lines stamped as the till does (the TED in ``document``)."""
    lines = tuple(_line(folio, k) for k in range(2 + folio % 4))
    total = sum(x.amount for x in lines)
    split = money.split_iva(total)
    sale = sales.SaleCompleted(sale_id=str(uuid.UUID(int=folio)), number=folio, shift_id="s1", cashier_id="ana",
                               lines=lines, discount=0, total=total, affected=total, exento=0, neto=split.neto,
                               iva=split.iva, tenders=(sales.TenderTaken("cash", total, total),), rounding=0,
                               change=0)
    moment = datetime(2026, 11, 22, 9 + folio % 12, folio % 60)
    doc = documents.boleta_desde_venta(sale, folio=folio, fecha_emision=DAY, emisor=EMISOR)
    timbre = ted.stamp(caf, doc, moment).decode("iso-8859-1")
    document = sales.DocumentStamped(int(doc.tipo), folio, timbre, moment.isoformat())
    return sales.SaleCompleted(**{**{f: getattr(sale, f) for f in sale.__slots__}, "document": document})


@contextmanager
def _pinned(cpu: int) -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# --- ours -------------------------------------------------------------------------------------------------------

def _signed(sale: sales.SaleCompleted, signer: signature.Signer) -> bytes:
    """One boleta as ``pipeline.build_document`` + ``build_signed`` make it."""
    stamped = sale.document
    assert stamped is not None
    moment = datetime.fromisoformat(stamped.stamped_at)
    doc = documents.boleta_desde_venta(sale, folio=stamped.folio, fecha_emision=moment.date(), emisor=EMISOR)
    if int(doc.tipo) != stamped.tipo:
        raise RuntimeError(f"boleta {stamped.folio} is of type {int(doc.tipo)}, not {stamped.tipo}")
    signed = xml.build_dte(doc, stamped.ted.encode("iso-8859-1"), signer, moment.replace(tzinfo=None))
    schema.validate(signed, XSD_DIR)
    return signed


def _envelope(batch: list[sales.SaleCompleted], signer: signature.Signer, caratula: xml.Caratula) -> bytes:
    """What the server does for 50 boletas: build, sign and validate each (pipeline), then pack them into a signed
    EnvioBOLETA and validate it (forwarder)."""
    signed = [_signed(sale, signer) for sale in batch]
    envelope = xml.build_envelope(signed, caratula, signer, datetime(2026, 11, 22, 21, 0))
    schema.validate(envelope, XSD_DIR)
    return envelope


def _ours(stamped: list[sales.SaleCompleted], signer: signature.Signer, caratula: xml.Caratula
          ) -> tuple[float, list[float], bytes]:
    batches = list(common.batched(stamped, ENVELOPE))
    last = _envelope(batches[0], signer, caratula)  # warm: schemas compiled, as in a running server
    samples: list[float] = []
    for _ in range(ROUNDS):
        for batch in batches:
            started = time.perf_counter()
            last = _envelope(batch, signer, caratula)
            samples.append(time.perf_counter() - started)
    return len(stamped) * ROUNDS / sum(samples), samples, last


# --- the raw libraries' floor -----------------------------------------------------------------------------------

_SIGNED_INFO = ('<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod Algorithm="'
                f'{signature.C14N_10}"/><SignatureMethod Algorithm="{signature.RSA_SHA1}"/><Reference URI="#x">'
                f'<Transforms><Transform Algorithm="{signature.ENVELOPED}"/></Transforms><DigestMethod Algorithm="'
                f'{signature.SHA1}"/><DigestValue>%s</DigestValue></Reference></SignedInfo>')


def _raw_sign(data: bytes, key: rsa.RSAPrivateKey) -> bytes:
    root = etree.fromstring(data)
    digest = base64.b64encode(hashlib.sha1(etree.tostring(root, method="c14n")).digest()).decode()
    info = etree.tostring(etree.fromstring((_SIGNED_INFO % digest).encode()), method="c14n")
    return key.sign(info, padding.PKCS1v15(), hashes.SHA1())


def _raw_floor(stamped: list[sales.SaleCompleted], key: rsa.RSAPrivateKey, envelope: bytes) -> float:
    """Documents per second of the bare library calls every signer makes (no document building, no schema)."""
    unsigned = [etree.tostring(xml.render_dte(
        documents.boleta_desde_venta(s, folio=s.document.folio, fecha_emision=DAY, emisor=EMISOR),
        s.document.ted.encode("iso-8859-1"), datetime(2026, 11, 22, 21, 0))) for s in stamped if s.document]
    started = time.perf_counter()
    for batch in common.batched(unsigned, ENVELOPE):
        for data in batch:
            _raw_sign(data, key)
        _raw_sign(envelope, key)
    return len(unsigned) / (time.perf_counter() - started)


# --- the peer ---------------------------------------------------------------------------------------------------

def _peer_python() -> Path:
    return PEER_VENV / "bin" / "python"


def _installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    proc = subprocess.run([str(python), "-c", "import facturacion_electronica as fe; print(fe.__version__)"],
                          capture_output=True, text=True, timeout=60, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_peer(log: Callable[[str], None]) -> Path:
    """The interpreter of ``var/bench/fe-venv`` with ``facturacion-electronica==PEER_VERSION``, installing it once.

    Raises:
        RuntimeError: uv is missing or the install failed (no registry, no wheel for this machine).
    """
    python = _peer_python()
    if _installed_version(python) == PEER_VERSION:
        return python
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not installed (./scripts/setup installs it)")
    log(f"  installing {PEER_PACKAGE}=={PEER_VERSION} into {PEER_VENV} (once; reused later) ...")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    steps = [] if python.exists() else [[uv, "venv", "--quiet", "--python",
                                          f"{sys.version_info.major}.{sys.version_info.minor}", str(PEER_VENV)]]
    steps.append([uv, "pip", "install", "--quiet", "--python", str(python), f"{PEER_PACKAGE}=={PEER_VERSION}"])
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env=env, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    if _installed_version(python) != PEER_VERSION:
        raise RuntimeError(f"{PEER_PACKAGE} {PEER_VERSION} does not import in {PEER_VENV}")
    return python


def _peer_boleta(sale: sales.SaleCompleted) -> dict[str, Any]:
    """The boleta as the peer's JSON needs it: the same lines and totals the server's document carries."""
    stamped = sale.document
    assert stamped is not None
    doc = documents.boleta_desde_venta(sale, folio=stamped.folio, fecha_emision=DAY, emisor=EMISOR)
    lines = [{"name": x.nombre, "qty": str(x.cantidad), "price": str(x.precio), "amount": x.monto,
              "discount": x.descuento, "code": x.codigo, "unit": x.unidad} for x in doc.lineas]
    t = doc.totales
    return {"folio": doc.folio, "fecha": doc.fecha_emision.isoformat(), "lines": lines, "neto": t.neto,
            "iva": t.iva, "total": t.total, "ted": stamped.ted}


def _run_peer(python: Path, job: dict[str, Any], folder: Path, name: str) -> dict[str, Any]:
    path = folder / f"{name}.json"
    job = {**job, "out": str(folder / f"{name}.xml")}
    path.write_text(json.dumps(job), "utf-8")
    proc = subprocess.run([str(python), str(PEER_SCRIPT), str(path)], capture_output=True, text=True,
                          timeout=1800, check=False, cwd=folder)
    lines = proc.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if proc.returncode != 0 or "docs_per_s" not in answer:
        raise RuntimeError(f"the peer ({name}) failed: {answer.get('error') or proc.stderr.strip()[-800:]}")
    answer["out"] = job["out"]
    return answer


def _peer(stamped: list[sales.SaleCompleted], caf: caf_mod.Caf, signer: signature.Signer, cpu: int,
          sizes: common.Sizes, log: Callable[[str], None]) -> tuple[dict[str, Any] | None, str]:
    """The peer's figures (``peer_*`` keys) or None and why it was not run."""
    if not sizes.dte_peer or os.environ.get("ALMACEN_BENCH_PEER", "1") == "0":
        return None, "--quick or ALMACEN_BENCH_PEER=0"
    try:
        python = ensure_peer(log)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        log(f"  {PEER_PACKAGE} cannot be installed here: {exc}")
        return None, f"{PEER_PACKAGE} cannot be installed here: {exc}"
    boletas = [_peer_boleta(s) for s in stamped]
    emisor = {"RUTEmisor": RUT, "RznSoc": EMISOR.razon_social, "GiroEmis": EMISOR.giro, "DirOrigen": EMISOR.direccion,
              "CmnaOrigen": EMISOR.comuna, "CiudadOrigen": EMISOR.ciudad, "FchResol": "2026-01-02", "NroResol": 0}
    job: dict[str, Any] = {
        "pfx_b64": base64.b64encode(PFX.read_bytes()).decode(), "password": PFX_PASSWORD,
        "rut_firmante": signer.rut or RUT, "caf_b64": base64.b64encode(caf.raw).decode(), "emisor": emisor,
        "boletas": boletas, "envelope": ENVELOPE, "cpu": cpu, "mode": "stamped"}
    with tempfile.TemporaryDirectory(prefix="almacen-fe-peer-") as tmp:
        folder = Path(tmp)
        try:
            log(f"  running {PEER_PACKAGE} {PEER_VERSION} on {len(stamped)} boletas (about 6-10 doc/s) ...")
            peer = _run_peer(python, job, folder, "stamped")
            shipped = _run_peer(python, {**job, "boletas": boletas[:ENVELOPE], "mode": "as_shipped"}, folder,
                                "as_shipped")
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
            log(f"  {exc}")
            return None, str(exc)[:300]
        output = Path(peer["out"]).read_bytes()
        checks = signature.verify_all(output)
        problems = schema.schema_errors(output, XSD_DIR)
    valid = bool(checks) and all(c.valid for c in checks) and not problems
    log(f"  peer: {peer['docs_per_s']:.1f} doc/s (as shipped, stamping again: {shipped['docs_per_s']:.1f});"
        f" its envelope: {sum(c.valid for c in checks)}/{len(checks)} signatures verify, schema"
        f" {'valid' if not problems else 'INVALID'}")
    figures = {"peer_docs_per_s": round(peer["docs_per_s"], 1), "peer_docs": peer["docs"],
               "peer_p50_envelope_ms": round(common.percentile(peer["envelope_ms"], 50), 1),
               "peer_as_shipped_docs_per_s": round(shipped["docs_per_s"], 1), "peer_version": peer["version"],
               "peer_output_valid": valid}
    return figures, "" if valid else "; the peer's envelope did NOT verify"
