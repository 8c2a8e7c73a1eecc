"""Hardened parsing: hostile XML is refused before anything is expanded or fetched; encodings as the SII uses."""

from __future__ import annotations

import pytest
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import errors, ted, xmlcore

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<AUTORIZACION><CAF version="1.0"><DA><RS>&lol9;</RS></DA></CAF></AUTORIZACION>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE AUTORIZACION [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<AUTORIZACION><CAF version="1.0"><DA><RS>&xxe;</RS></DA></CAF></AUTORIZACION>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE AUTORIZACION SYSTEM "http://127.0.0.1:9/evil.dtd">
<AUTORIZACION><CAF version="1.0"/></AUTORIZACION>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE TED [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<TED version="1.0"/>"""

UTF16_DOCTYPE = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode("utf-16")


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY, UTF16_DOCTYPE],
                         ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "utf16"])
def test_hostile_xml_is_refused_by_the_parser_the_caf_reader_and_the_ted_reader(hostile: bytes) -> None:
    with pytest.raises(errors.HostileXml):
        xmlcore.parse(hostile)
    with pytest.raises(errors.HostileXml):
        caf_mod.parse_caf(hostile)
    with pytest.raises(errors.HostileXml):
        ted.verify_ted(hostile)


def test_a_huge_document_is_refused_before_parsing() -> None:
    big = b"<AUTORIZACION>" + b"<X>1</X>" * 10_000 + b"</AUTORIZACION>"
    with pytest.raises(errors.HostileXml, match="máximo"):
        caf_mod.parse_caf(big)
    with pytest.raises(errors.HostileXml):
        xmlcore.parse(big, max_bytes=1000)


def test_malformed_xml_is_an_xml_error_not_a_crash() -> None:
    with pytest.raises(errors.XmlError) as raised:
        xmlcore.parse(b"<DTE><Documento></DTE>")
    assert not isinstance(raised.value, errors.HostileXml)
    assert "XML inválido" in str(raised.value)


def test_encodings_undeclared_latin1_falls_back_and_declared_encodings_are_honoured() -> None:
    assert xmlcore.parse("<RS>DISEÑO</RS>".encode("iso-8859-1")).text == "DISEÑO"
    assert xmlcore.parse("<RS>DISEÑO</RS>".encode()).text == "DISEÑO"
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?><RS>ÑANDÚ</RS>'.encode("iso-8859-1")
    assert xmlcore.parse(declared).text == "ÑANDÚ"


def test_c14n_in_context_has_no_stray_empty_default_namespace() -> None:
    root = etree.fromstring(b'<a xmlns="urn:x" xmlns:xsi="urn:i"><b ID="1"><c Algorithm="z"><d/></c></b></a>')
    out = xmlcore.c14n(root[0])
    assert b'xmlns=""' not in out
    assert out.startswith(b'<b xmlns="urn:x" xmlns:xsi="urn:i" ID="1">')
    assert xmlcore.c14n(root[0], exclusive=True).startswith(b'<b xmlns="urn:x" ID="1">')


def test_flatten_drops_namespaces_and_inter_tag_whitespace_and_escapes_like_the_sii() -> None:
    el = etree.fromstring(b'<DD xmlns="urn:x">\n  <RSR>A &amp; "B" \'C\' &lt;D&gt;</RSR>\n  <E/>\n</DD>')
    assert xmlcore.flatten(el) == b"<DD><RSR>A &amp; &quot;B&quot; &apos;C&apos; &lt;D&gt;</RSR><E></E></DD>"
    assert xmlcore.flatten(el, escape_quotes=False) == b"<DD><RSR>A &amp; \"B\" 'C' &lt;D&gt;</RSR><E></E></DD>"


def test_to_bytes_writes_the_sii_declaration_and_quote_entities_in_text_only() -> None:
    el = etree.fromstring(b'<a b="x\'y"><c>Pan "Ideal" D\'Or</c></a>')
    out = xmlcore.to_bytes(el)
    assert out.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n')
    assert b"<c>Pan &quot;Ideal&quot; D&apos;Or</c>" in out
    assert b"b=\"x'y\"" in out
