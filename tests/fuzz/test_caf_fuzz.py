"""Fuzz CAF files (``shared.dte.caf``): the SII's sample CAFs and the stand-in's, mutated as XML, as bytes and
re-encoded, and hostile XML. Each is a CAF (that verifies only if its DA is intact) or a ``DteError`` in Spanish."""

from __future__ import annotations

import base64
import re
from datetime import date
from functools import cache

from hypothesis import example, given
from hypothesis import strategies as st

from shared.dte import caf as caf_mod
from shared.dte import errors
from tests import supplier_dte as sd
from tests.fuzz import fuzz_kit, xml_kit

SAMPLES = tuple(sorted(sd.SAMPLES.glob("caf_T*.xml")))


def _other_key_algorithm(data: bytes) -> bytes:
    """``data`` with the OID of RSAPUBK's key algorithm changed (rsaEncryption 1.2.840.113549.1.1.1 → ….2.1)."""
    match = re.search(rb"(-----BEGIN PUBLIC KEY-----)(.*?)(-----END PUBLIC KEY-----)", data, re.S)
    assert match is not None
    der = base64.b64decode(b"".join(match.group(2).split()))
    der = der.replace(bytes.fromhex("2a864886f70d010101"), bytes.fromhex("2a864886f70d010201"), 1)
    return data.replace(match.group(2), b"\n" + base64.encodebytes(der))


@cache
def keys() -> dict[int, object]:
    return dict(caf_mod.load_sii_keys(sd.SAMPLES))


def _loaded(data: bytes) -> None:
    """The oracle: parse_caf gives a CAF or a DteError in Spanish; load_caf verifies it or says why."""
    with fuzz_kit.bounded(10):
        try:
            caf = caf_mod.parse_caf(data)
        except errors.DteError as exc:
            assert isinstance(exc, errors.CafMalformed | errors.XmlError), repr(exc)
            assert fuzz_kit.spanish(str(exc)), str(exc)
            return
        assert 0 < caf.folio_desde <= caf.folio_hasta and caf.tipo_dte >= 0 and caf.rut_emisor
        assert b"\x00" not in caf.raw  # imports keep it as ISO-8859-1 text, which PostgreSQL stores without NUL
        try:
            caf_mod.verify_caf(caf, keys(), today=date(2025, 5, 2))  # type: ignore[arg-type]
        except errors.DteError as exc:
            assert fuzz_kit.spanish(str(exc)), str(exc)


@fuzz_kit.budget(suite=40, weight=0.3)
@given(st.sampled_from(SAMPLES).flatmap(lambda path: xml_kit.mutated_xml(path.read_bytes())))
def test_mutated_caf_xml_is_read_or_refused_in_spanish(data: bytes) -> None:
    _loaded(data)


@fuzz_kit.budget(suite=40, weight=1.0)
@given(st.sampled_from(SAMPLES).flatmap(lambda path: fuzz_kit.mutated(path.read_bytes())))
@example(SAMPLES[0].read_bytes().replace(b"<TD>33</TD>", "<TD>²</TD>".encode("iso-8859-1")))  # ValueError (fixed)
@example(_other_key_algorithm(SAMPLES[0].read_bytes()))  # UnsupportedAlgorithm escaped verify_caf (fixed)
def test_mutated_caf_bytes_are_read_or_refused_in_spanish(data: bytes) -> None:
    _loaded(data)


@fuzz_kit.budget(suite=10, weight=0.02)
@given(st.sampled_from(SAMPLES), st.sampled_from(("UTF-8", "UTF-16", "UTF-16-LE", "UTF-32", "cp1252", "ascii")))
def test_a_caf_re_encoded_is_read_or_refused(path: object, encoding: str) -> None:
    """The SII writes ISO-8859-1; the same tree in another encoding must not smuggle NUL bytes into storage."""
    raw = path.read_bytes()  # type: ignore[attr-defined]
    text = raw.decode("iso-8859-1")
    try:
        data = f'<?xml version="1.0" encoding="{encoding}"?>\n{text}'.encode(encoding)
    except UnicodeEncodeError:
        return
    _loaded(data)


@fuzz_kit.budget(suite=8, weight=0.001)
@given(xml_kit.hostile())
def test_hostile_xml_is_refused_as_a_caf(data: bytes) -> None:
    _loaded(data)
