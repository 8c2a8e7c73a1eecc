"""Fixtures of the DTE core tests: SII samples (tests/data/sii), schemas (shared/dte/data), test .pfx, xmlsec1."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import signature
from tests.shared.dte.dte_samples import CAF_FILES, SAMPLE_DAY, SAMPLES, TENANT_RUT


@pytest.fixture(scope="session")
def sii_keys() -> dict[int, rsa.RSAPublicKey]:
    return caf_mod.load_sii_keys(SAMPLES)


@pytest.fixture(scope="session")
def cafs(sii_keys: dict[int, rsa.RSAPublicKey]) -> dict[int, caf_mod.Caf]:
    return {t: caf_mod.load_caf(p.read_bytes(), sii_keys, rut=TENANT_RUT, today=SAMPLE_DAY)
            for t, p in CAF_FILES.items()}


@pytest.fixture(scope="session")
def signer() -> signature.Signer:
    return signature.load_pfx((SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass")


@pytest.fixture(scope="session")
def emisor() -> docs.Emisor:
    return docs.Emisor(rut=TENANT_RUT, razon_social="Diseño y Entretenimientos Within Play Ltda.",
                       giro="Venta al por menor en almacenes", direccion="San Lucio 138", comuna="Los Andes",
                       acteco=(471100,), sucursal_sii=None)


@pytest.fixture(scope="session")
def empresa() -> docs.Receptor:
    return docs.Receptor(rut="77.447.842-6", razon_social="Baca Juegos y Accesorios SPA",
                         giro="Venta de juegos y accesorios", direccion="Cillero 11", comuna="Rancagua")


@pytest.fixture(scope="session")
def cert_pem(tmp_path_factory: pytest.TempPathFactory, signer: signature.Signer) -> Path:
    path = tmp_path_factory.mktemp("cert") / "signer.pem"
    path.write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="session")
def xmlsec1(tmp_path_factory: pytest.TempPathFactory, cert_pem: Path) -> Callable[..., bool]:
    """``xmlsec1(xml_bytes, id_element="Documento", node_xpath=None, certificate=None) -> bool``: Debian's xmlsec1
    as an independent verifier, trusting only the key of the test certificate (or of ``certificate``, PEM)."""
    binary = shutil.which("xmlsec1")
    if binary is None:
        pytest.fail("xmlsec1 is not installed: run ./scripts/setup (apt package xmlsec1)")
    folder = tmp_path_factory.mktemp("xmlsec1")
    counter = iter(range(10**6))

    def verify(xml: bytes, id_element: str = "Documento", node_xpath: str | None = None,
               certificate: bytes | None = None) -> bool:
        n = next(counter)
        path = folder / f"doc{n}.xml"
        path.write_bytes(xml)
        trusted = cert_pem
        if certificate is not None:
            trusted = folder / f"cert{n}.pem"
            trusted.write_bytes(certificate)
        cmd = [binary, "--verify", "--id-attr:ID", f"http://www.sii.cl/SiiDte:{id_element}",
               "--pubkey-cert-pem", str(trusted)]
        if node_xpath:
            cmd += ["--node-xpath", node_xpath]
        result = subprocess.run([*cmd, str(path)], capture_output=True, text=True, timeout=30, check=False)
        return result.returncode == 0

    return verify
