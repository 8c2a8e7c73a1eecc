"""Hardened XML parsing, canonicalisation and the SII's flattened serialisation.

Why each form: docs/architecture.md#what-the-sii-signs.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from lxml import etree

from shared.dte import errors

SII_NS: Final = "http://www.sii.cl/SiiDte"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"

MAX_XML_BYTES: Final = 32 * 1024 * 1024
"""Largest XML accepted by default: an EnvioDTE holds at most 2.000 DTEs of a few kB each."""

_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_WS = " \t\r\n"


def _parser(encoding: str | None = None) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False, encoding=encoding)


def declared_encoding(data: bytes) -> str | None:
    """The ``encoding`` of the XML declaration, or None when there is none (SII CAFs declare none)."""
    match = _DECL.match(data[:200])
    return match.group(1).decode("ascii") if match else None


def parse(data: bytes, *, max_bytes: int = MAX_XML_BYTES, default_encoding: str | None = None) -> etree._Element:
    """Parse untrusted XML safely and return its root element.

    Args:
        data: the document's bytes as received.
        max_bytes: refuse anything larger.
        default_encoding: the encoding to assume when the XML declaration names none (``"ISO-8859-1"`` for CAF
            files). Without it, an undeclared document is read as UTF-8 and, failing that, as ISO-8859-1.

    Raises:
        HostileXml: larger than ``max_bytes``, or it has a DOCTYPE (DTD, entity declarations).
        XmlError: not well-formed.
    """
    if len(data) > max_bytes:
        raise errors.HostileXml(f"el archivo pesa {len(data)} bytes; el máximo es {max_bytes}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or b"<\x00!\x00D\x00O\x00C\x00" in data:
        raise errors.HostileXml("declara un DOCTYPE o entidades, algo que ningún documento del SII tiene")
    declared = declared_encoding(data)
    encoding = default_encoding if declared is None else None
    try:
        root = etree.fromstring(data, _parser(encoding))
    except etree.XMLSyntaxError as exc:
        if declared is None and encoding is None and _not_utf8(data):
            return parse(data, max_bytes=max_bytes, default_encoding="ISO-8859-1")
        raise errors.XmlError(str(exc)) from None
    except (ValueError, LookupError) as exc:  # unknown encoding name, str input
        raise errors.XmlError(str(exc)) from None
    info: Any = root.getroottree().docinfo  # lxml-stubs lacks DocInfo.doctype/internalDTD/externalDTD
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise errors.HostileXml("declara un DOCTYPE o entidades, algo que ningún documento del SII tiene")
    return root


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def localname(el: etree._Element) -> str:
    return etree.QName(el).localname


def child(el: etree._Element, name: str) -> etree._Element | None:
    """The first child element named ``name`` in any namespace (SII files come with and without one)."""
    for c in el:
        if isinstance(c.tag, str) and etree.QName(c).localname == name:
            return c
    return None


def text(el: etree._Element, path: str) -> str | None:
    """Text of the element at a ``/``-separated path of local names below ``el``, or None if missing."""
    node: etree._Element | None = el
    for name in path.split("/"):
        assert node is not None
        node = child(node, name)
        if node is None:
            return None
    assert node is not None
    return node.text or ""


def c14n(el: etree._Element, *, exclusive: bool = False) -> bytes:
    """C14N 1.0 without comments of ``el`` in its context (see the module doc for why it re-parses)."""
    alone = etree.fromstring(etree.tostring(el, with_tail=False), _parser())
    return etree.tostring(alone, method="c14n", exclusive=exclusive, with_comments=False)


def _escape_text(value: str, quotes: bool) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
    if quotes:
        value = value.replace('"', "&quot;").replace("'", "&apos;")
    return value


def _escape_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


def _str(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8")


def _flat(el: etree._Element, out: list[str], quotes: bool) -> None:
    name = etree.QName(el).localname
    attrs = sorted((etree.QName(k).localname, _str(v)) for k, v in el.attrib.items())
    out.append("<" + name + "".join(f' {k}="{_escape_attr(v)}"' for k, v in attrs) + ">")
    if el.text and el.text.strip(_WS):
        out.append(_escape_text(el.text, quotes))
    for c in el:
        if isinstance(c.tag, str):
            _flat(c, out, quotes)
        if c.tail and c.tail.strip(_WS):
            out.append(_escape_text(c.tail, quotes))
    out.append("</" + name + ">")


def flatten(el: etree._Element, *, escape_quotes: bool = True) -> bytes:
    """The SII's flattened form of ``el`` as ISO-8859-1 bytes (see the module doc)."""
    out: list[str] = []
    _flat(el, out, escape_quotes)
    return "".join(out).encode("iso-8859-1", errors="xmlcharrefreplace")


def flatten_raw(source: bytes) -> bytes:
    """The literal source bytes of an element with the whitespace between tags removed (``>\\s+<`` → ``><``).

    Some issuers signed the text exactly as written (numeric character references and all); verifiers try this
    form after the canonical one.
    """
    return re.sub(rb">[ \t\r\n]+<", b"><", source.strip())


def latin1(el: etree._Element) -> bytes:
    """``el`` serialised by libxml2 as ISO-8859-1, without XML declaration or tail."""
    out = etree.tostring(el, encoding="ISO-8859-1", xml_declaration=False, with_tail=False)
    assert isinstance(out, bytes)
    return out


_TEXT_NODE = re.compile(rb">([^<]*)<")


def to_bytes(el: etree._Element) -> bytes:
    """Serialise a document as the SII expects it: ISO-8859-1 with its declaration, ``"`` and ``'`` in text
    written as ``&quot;``/``&apos;``, no indentation. C14N-neutral, so signatures are unaffected."""
    body = latin1(el)

    def fix(match: re.Match[bytes]) -> bytes:
        return b">" + match.group(1).replace(b'"', b"&quot;").replace(b"'", b"&apos;") + b"<"

    return b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + _TEXT_NODE.sub(fix, body)


_TYPOGRAPHY: Final = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"',
                                    "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...",
                                    "\u20ac": "EUR", "\u00a0": " ", "\u2022": "-"})


def clean_text(value: str) -> str:
    """Text as an SII document can carry it: NFC, ISO-8859-1 only (typographic quotes and dashes mapped, other
    characters reduced to their ASCII base or ``?``), no control characters, single spaces, trimmed."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", value).translate(_TYPOGRAPHY):
        code = ord(ch)
        if ch in "\t\r\n":
            out.append(" ")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            continue
        elif code > 0xFF:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii") or "?")
        else:
            out.append(ch)
    return " ".join("".join(out).split())
