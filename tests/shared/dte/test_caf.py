"""CAF files: every sample parses and verifies with the SII's IDK 100 key; tampered, other-RUT, expired,
unknown-IDK, mismatched-key and malformed CAFs are each refused with their own error."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.dte import caf as caf_mod
from shared.dte import errors, signature
from tests.shared.dte.dte_samples import CAF_FILES, SAMPLE_DAY, SAMPLES, TENANT_RUT


def test_the_sii_keys_load_from_the_callers_folder_despite_their_invalid_certificates(
        sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    assert sorted(sii_keys) == [100, 300]
    assert all(k.key_size == 512 and k.public_numbers().e == 65537 for k in sii_keys.values())


@pytest.mark.parametrize("tipo", sorted(CAF_FILES))
def test_every_sample_caf_parses_and_verifies_with_the_certification_key(
        tipo: int, sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    raw = CAF_FILES[tipo].read_bytes()
    caf = caf_mod.load_caf(raw, sii_keys, rut="76.235.291-5", today=SAMPLE_DAY)
    assert (caf.rut_emisor, caf.tipo_dte, caf.folio_desde, caf.folio_hasta) == (TENANT_RUT, tipo, 1, 20)
    assert caf.razon_social == "DISEÑO Y ENTRETENIMIENTOS WITHIN PLAY LI"
    assert caf.fecha_autorizacion == date(2025, 4, 11)
    assert caf.idk == caf_mod.IDK_CERTIFICACION
    assert caf.public_key.key_size == 512 and caf.public_key.public_numbers().e == 3
    assert caf.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert caf.raw == raw
    # the DA and CAF elements exactly as in the file (ISO-8859-1, newlines and all)
    assert caf.da_xml in raw and caf.da_xml.startswith(b"<DA>\n<RE>") and b"DISE\xd1O" in caf.da_xml
    assert caf.caf_xml in raw and caf.caf_xml.startswith(b'<CAF version="1.0">') and caf.caf_xml.endswith(b"</CAF>")
    # what the SII signed is the DA flattened: the raw text does not verify, the flattened one does
    flat = re.sub(rb">\s+<", b"><", caf.da_xml)
    assert flat in caf.da_signed_forms and caf.da_xml not in caf.da_signed_forms


def test_expiry_follows_the_sii_rule_boletas_never_facturas_after_180_days(
        sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    factura = caf_mod.parse_caf(CAF_FILES[33].read_bytes())
    assert factura.expires_on == date(2025, 4, 11) + timedelta(days=180)
    caf_mod.verify_caf(factura, sii_keys, today=factura.expires_on - timedelta(days=1))
    with pytest.raises(errors.CafExpired, match="venció el 08-10-2025") as raised:
        caf_mod.verify_caf(factura, sii_keys, today=factura.expires_on)
    assert raised.value.expired_on == date(2025, 10, 8)
    for tipo in (39, 41):
        boleta = caf_mod.parse_caf(CAF_FILES[tipo].read_bytes())
        assert boleta.expires_on is None
        caf_mod.verify_caf(boleta, sii_keys, today=date(2049, 1, 1))


@pytest.mark.parametrize("change", [(b"<H>20</H>", b"<H>29</H>"), (b"<D>1</D>", b"<D>2</D>"),
                                    (b"<TD>39</TD>", b"<TD>33</TD>"), (b"WITHIN", b"WITHON")],
                         ids=["RNG-H", "RNG-D", "TD", "RS"])
def test_a_tampered_caf_is_refused(change: tuple[bytes, bytes], sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    raw = CAF_FILES[39].read_bytes()
    assert raw.count(change[0]) == 1
    with pytest.raises(errors.CafTampered, match="alterado"):
        caf_mod.load_caf(raw.replace(*change), sii_keys)


def test_a_changed_frma_byte_is_refused(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    raw = CAF_FILES[33].read_bytes()
    frma_b64 = re.search(rb'<FRMA algoritmo="SHA1withRSA">(.*?)</FRMA>', raw).group(1)  # type: ignore[union-attr]
    frma = bytearray(base64.b64decode(frma_b64))
    frma[10] ^= 0x01
    with pytest.raises(errors.CafTampered):
        caf_mod.load_caf(raw.replace(frma_b64, base64.b64encode(bytes(frma))), sii_keys)


def test_a_caf_of_another_rut_is_refused(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    with pytest.raises(errors.CafOtherRut, match="otro contribuyente") as raised:
        caf_mod.load_caf(CAF_FILES[39].read_bytes(), sii_keys, rut="77.447.842-6", today=SAMPLE_DAY)
    assert (raised.value.caf_rut, raised.value.tenant_rut) == (TENANT_RUT, "77447842-6")


def test_an_unknown_idk_is_refused(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    with pytest.raises(errors.CafUnknownIdk, match="IDK 100"):
        caf_mod.load_caf(CAF_FILES[39].read_bytes(), {300: sii_keys[300]})
    # a production-key check of a certification CAF is an unknown IDK, never a pass
    with pytest.raises(errors.CafUnknownIdk):
        caf_mod.load_caf(CAF_FILES[41].read_bytes(), {})


def test_a_private_key_that_is_not_the_cafs_is_refused(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    own, other = CAF_FILES[39].read_bytes(), CAF_FILES[33].read_bytes()
    pattern = rb"<RSASK>.*?</RSASK>"
    swapped = re.sub(pattern, re.search(pattern, other, re.S).group(0).replace(b"\\", b"\\\\"), own,  # type: ignore[union-attr]
                     flags=re.S)
    with pytest.raises(errors.CafKeyMismatch):
        caf_mod.load_caf(swapped, sii_keys)


@pytest.mark.parametrize("raw", [
    b"", b"<AUTORIZACION><CAF>", b"<OTRA/>", b"<AUTORIZACION><CAF version='1.0'/></AUTORIZACION>",
    CAF_FILES[39].read_bytes().replace(b"<FA>2025-04-11</FA>", b"<FA>11-04-2025</FA>"),
    CAF_FILES[39].read_bytes().replace(b"<E>Aw==</E>", b"<E>***</E>"),
    re.sub(rb"<RSASK>.*?</RSASK>", b"<RSASK></RSASK>", CAF_FILES[39].read_bytes(), flags=re.S),
], ids=["empty", "truncated", "not-a-caf", "no-DA", "bad-FA", "bad-E", "no-RSASK"])
def test_a_malformed_caf_is_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(errors.CafMalformed, match="CAF"):
        caf_mod.parse_caf(raw)


def test_a_caf_saved_as_utf8_with_its_declaration_still_verifies(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    text = CAF_FILES[39].read_bytes().decode("iso-8859-1")
    utf8 = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>').encode()
    caf = caf_mod.load_caf(utf8, sii_keys)
    assert caf.razon_social.startswith("DISEÑO")


def test_public_key_from_certificates_both_regular_and_the_sii_malformed_ones(signer: signature.Signer) -> None:
    regular = signer.certificate.public_bytes(serialization.Encoding.PEM)
    assert caf_mod.public_key_from_certificate(regular).public_numbers() == \
        signer.private_key.public_key().public_numbers()
    der_sii = (SAMPLES / "sii_caf_pubcert_idk300_produccion.cer").read_bytes()
    assert caf_mod.public_key_from_certificate(der_sii).key_size == 512
