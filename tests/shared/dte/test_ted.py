"""TED: every TED of the SII samples verifies; TEDs we stamp verify, print as PDF417 (ECL 5, ISO-8859-1, within the
SII's size) and decode back to the same bytes; tampering, a foreign key and folios outside the CAF fail."""

from __future__ import annotations

import base64
from datetime import date, datetime

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import errors, ted, xmlcore
from tests.shared.dte.dte_samples import SIGNED_SAMPLES, STAMP_TIME

SII = "{http://www.sii.cl/SiiDte}"


def _sample_teds() -> list[tuple[str, etree._Element]]:
    out = []
    for path in SIGNED_SAMPLES:
        root = xmlcore.parse(path.read_bytes())
        out += [(f"{path.name}:{el.findtext(f'{SII}DD/{SII}F')}", el) for el in root.iter(SII + "TED")]
    return out


SAMPLE_TEDS = _sample_teds()


def test_the_samples_hold_ten_teds() -> None:
    assert len(SAMPLE_TEDS) == 10


@pytest.mark.parametrize(("name", "ted_el"), SAMPLE_TEDS, ids=[n for n, _ in SAMPLE_TEDS])
def test_every_sample_ted_verifies_with_its_caf_key_and_its_caf_with_the_sii_key(
        name: str, ted_el: etree._Element, sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    da = ted_el.find(f"{SII}DD/{SII}CAF/{SII}DA")
    assert da is not None
    caf_key = caf_mod.parse_da(da)[3]
    data = ted.verify_ted(ted_el, caf_key, sii_keys=sii_keys)
    assert data.folio == int(ted_el.findtext(f"{SII}DD/{SII}F") or 0)
    # the printed form (flattened, no namespace) verifies as a scanned timbre would
    payload = ted.ted_payload(ted_el)
    assert payload.startswith(b'<TED version="1.0"><DD><RE>') and b"xmlns" not in payload and b"\n" not in payload
    assert ted.verify_ted(payload, caf_key) == data


def test_the_sample_boletas_timbre_carries_a_production_caf(sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    ted_el = next(t for n, t in SAMPLE_TEDS if "envioboleta" in n)
    data = ted.verify_ted(ted_el, sii_keys=sii_keys)
    assert (data.tipo_dte, data.folio, data.monto_total, data.caf_idk) == (39, 18094, 4200, 300)
    with pytest.raises(errors.TedSignatureInvalid, match="IDK 300"):
        ted.verify_ted(ted_el, sii_keys={100: sii_keys[100]})


def test_a_changed_amount_in_a_sample_ted_fails() -> None:
    ted_el = next(t for n, t in SAMPLE_TEDS if "enviodte_T33" in n)
    payload = ted.ted_payload(ted_el)
    tampered = payload.replace(b"<MNT>1188861</MNT>", b"<MNT>1188862</MNT>")
    assert tampered != payload
    with pytest.raises(errors.TedSignatureInvalid, match="FRMT"):
        ted.verify_ted(tampered)


def _stamp(caf: caf_mod.Caf, folio: int = 5, **overrides: object) -> bytes:
    values: dict[str, object] = dict(folio=folio, fecha_emision=date(2025, 5, 2), rut_receptor="66666666-6",
                                     razon_social_receptor="CONSUMIDOR FINAL", monto_total=4200,
                                     item1="Leche Entera Colun 1 L", timestamp=STAMP_TIME)
    values.update(overrides)
    return ted.build_ted(caf, **values)  # type: ignore[arg-type]


def test_a_stamped_ted_has_the_sii_layout_and_verifies(cafs: dict[int, caf_mod.Caf],
                                                        sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    caf = cafs[39]
    stamped = _stamp(caf)
    assert stamped.startswith(b'<TED version="1.0"><DD><RE>76235291-5</RE><TD>39</TD><F>5</F><FE>2025-05-02</FE>'
                              b"<RR>66666666-6</RR><RSR>CONSUMIDOR FINAL</RSR><MNT>4200</MNT>"
                              b"<IT1>Leche Entera Colun 1 L</IT1>" + caf.caf_element +
                              b"<TSTED>2025-05-02T10:15:00</TSTED></DD>")
    assert caf.caf_element == caf_mod.xmlcore.flatten_raw(caf.caf_xml)  # the CAF copied as in the file
    data = ted.verify_ted(stamped, caf.public_key, sii_keys=sii_keys)
    assert (data.tipo_dte, data.folio, data.monto_total, data.timestamp) == (39, 5, 4200, "2025-05-02T10:15:00")
    assert ted.ted_payload(stamped) == stamped
    # FRMT is RSA-SHA1 with the CAF key over exactly the DD bytes
    dd = stamped[stamped.index(b"<DD>"):stamped.index(b"</DD>") + 5]
    frmt = base64.b64decode(stamped.split(b'<FRMT algoritmo="SHA1withRSA">')[1].split(b"<")[0])
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    caf.public_key.verify(frmt, dd, padding.PKCS1v15(), hashes.SHA1())


def test_rsr_and_it1_are_cut_to_40_characters_and_escaped_like_the_sii(cafs: dict[int, caf_mod.Caf]) -> None:
    stamped = _stamp(cafs[33], rut_receptor="77447842-6",
                     razon_social_receptor="Comercializadora \u201cÑuñoa\u201d & Cía. Limitada de Responsabilidad",
                     item1="Pan D'Onofrio <especial> " + "x" * 40)
    assert b"<RSR>Comercializadora &quot;\xd1u\xf1oa&quot; &amp; C\xeda. Limitada</RSR>" in stamped
    assert b"<IT1>Pan D&apos;Onofrio &lt;especial&gt; xxxxxxxxxxxxxxx</IT1>" in stamped
    data = ted.verify_ted(stamped, cafs[33].public_key)
    assert data.razon_social_receptor == 'Comercializadora "Ñuñoa" & Cía. Limitada'
    assert len(data.item1) == 40


def test_tampering_a_foreign_key_and_folios_outside_the_caf_fail(cafs: dict[int, caf_mod.Caf]) -> None:
    stamped = _stamp(cafs[39])
    with pytest.raises(errors.TedSignatureInvalid):
        ted.verify_ted(stamped.replace(b"<MNT>4200</MNT>", b"<MNT>4300</MNT>"))
    with pytest.raises(errors.TedSignatureInvalid, match="no es el CAF"):
        ted.verify_ted(stamped, cafs[41].public_key)
    for folio in (0, 21):
        with pytest.raises(errors.FolioOutOfRange, match=f"folio {folio}"):
            _stamp(cafs[39], folio=folio)
    with pytest.raises(errors.TedMalformed):
        ted.verify_ted(b"<TED><DD/></TED>")
    with pytest.raises(errors.DocumentInvalid):
        _stamp(cafs[39], rut_receptor="1-1")


def test_stamping_does_not_care_about_the_timezone(cafs: dict[int, caf_mod.Caf]) -> None:
    from datetime import timedelta, timezone
    aware = datetime(2025, 5, 2, 10, 15, tzinfo=timezone(timedelta(hours=-4)))
    assert _stamp(cafs[39], timestamp=aware) == _stamp(cafs[39])


def test_the_pdf417_decodes_back_to_the_same_iso_8859_1_bytes_with_ecl5_within_the_sii_size(
        cafs: dict[int, caf_mod.Caf]) -> None:
    stamped = _stamp(cafs[33], rut_receptor="77447842-6", razon_social_receptor="COMERCIALIZADORA Y DISTRIBUIDORA "
                     "ÑUÑOA SPA", monto_total=999_999_999, item1="Queso Gauda Laminado Colun 250 g & Cía. (X)")
    assert b"\xd1U\xd1OA" in stamped  # ISO-8859-1, not UTF-8
    image = ted.pdf417_image(stamped)
    assert image.mode == "L"
    result = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.PDF417)
    assert result is not None and result.bytes == stamped
    assert result.content_type != zxingcpp.ContentType.Binary  # no ECI 899 designator: plain bytes
    # ECL 5 = 64 error-correction codewords: the reader's percentage over rows x columns gives them back
    modules_high = image.height // ted.PDF417_SCALE - 4  # quiet zones of 2 modules
    rows = modules_high // 3  # rows are 3 modules high
    percent, total = int(result.ec_level.rstrip("%")), rows * ted.PDF417_COLUMNS
    assert percent * total <= 64 * 100 < (percent + 1) * total
    width, height = ted.pdf417_size_cm(image, dpi=203)
    assert ted.PDF417_MIN_CM[0] <= width <= ted.PDF417_MAX_CM[0]
    assert ted.PDF417_MIN_CM[1] <= height <= ted.PDF417_MAX_CM[1]


def test_every_sample_ted_also_prints_and_scans(cafs: dict[int, caf_mod.Caf]) -> None:
    for _, ted_el in SAMPLE_TEDS:
        payload = ted.ted_payload(ted_el)
        result = zxingcpp.read_barcode(ted.pdf417_image(payload))
        assert result is not None and result.bytes == payload


def test_a_timbre_signed_over_the_dd_as_written_verifies_and_says_so() -> None:
    """An issuer that signed its DD's literal bytes (``&#211;`` for «Ó») and was accepted by the SII: the timbre
    verifies over the DD as it stands in the file, and the result says so; the canonical form alone does not."""
    from tests import supplier_dte as sd

    data = sd.literal_timbre_envio("77447842-6")
    assert b"<IT1>JAM&#211;N ACARAMELADO" in data
    ted_el = next(xmlcore.parse(data).iter(SII + "TED"))
    verified = ted.verify_ted(ted_el, sd.caf(33).public_key, source=data)
    assert (verified.signed_form, verified.folio, verified.item1[:5]) == ("literal", 7, "JAMÓN")
    with pytest.raises(errors.TedSignatureInvalid, match="ni en su forma canónica ni tal como está escrito"):
        ted.verify_ted(ted_el, sd.caf(33).public_key)  # without the file, only the canonical form is tried
    # a timbre we stamp verifies over its canonical form
    assert ted.verify_ted(_stamp(sd.caf(33), folio=3, item1="JAMÓN")).signed_form == "canonical"


def test_a_tampered_literal_timbre_and_a_frmt_borrowed_from_another_document_fail() -> None:
    from tests import supplier_dte as sd

    data = sd.literal_timbre_envio("77447842-6")
    mnt = data[data.index(b"<MNT>"):data.index(b"</MNT>")]
    tampered = data.replace(mnt, mnt + b"0", 1)  # the total ten times over, as written in the DD
    ted_el = next(xmlcore.parse(tampered).iter(SII + "TED"))
    with pytest.raises(errors.TedSignatureInvalid, match="FRMT"):
        ted.verify_ted(ted_el, source=tampered)
    # another document's DD in the same file cannot lend its bytes: a copy of this TED's FRMT under a DD with
    # another folio verifies over neither form, even with the original DD still in the file
    other = data.replace(b"<F>7</F>", b"<F>8</F>", 1)
    forged_file = data + b"<!-- -->" + other[other.index(b"<TED"):other.index(b"</TED>") + 6]
    forged = xmlcore.parse(other[other.index(b"<TED"):other.index(b"</TED>") + 6])
    with pytest.raises(errors.TedSignatureInvalid):
        ted.verify_ted(forged, source=forged_file)
