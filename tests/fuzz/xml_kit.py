"""Mutations of XML documents for the DTE and CAF targets: an element's text or attribute replaced, an element
dropped, duplicated, renamed or moved to another namespace, deep nesting, and hostile preambles."""

from __future__ import annotations

import copy

from hypothesis import strategies as st
from lxml import etree

TEXTS = st.sampled_from(["", " ", "0", "-1", "1e100", "1E+999999", "NaN", "Infinity", "²", "٣", "１２", "9" * 40,
                         "1.5", "0.0001", "2025-13-45", "9999-12-31", "76235291-5", "1-9", "x" * 5000,
                         "DISEÑO & <>", "\u202e", "A" * 100, "3.14159265358979323846264338327950288"])
HOSTILE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]><r>&f;&f;</r>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.invalid/x.dtd"><r/>',
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'.encode("utf-16"),
    b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>',
    b"<r>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</r>",
    b'<r a="' + b"x" * 3_000_000 + b'"/>',
    b"<r>" + b"<a/>" * 200_000 + b"</r>",
)


@st.composite
def mutated_xml(draw: st.DrawFn, data: bytes, encoding: str = "ISO-8859-1") -> bytes:
    """``data`` (a well-formed document) with 1-3 changes to its tree, written back in ``encoding``."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:  # an SII CAF: ISO-8859-1 without a declaration
        root = etree.fromstring(data, etree.XMLParser(encoding="ISO-8859-1"))
    for _ in range(draw(st.integers(1, 3))):
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        el = elements[draw(st.integers(0, len(elements) - 1))]
        action = draw(st.sampled_from(("text", "text", "text", "attribute", "drop", "duplicate", "rename",
                                       "namespace", "nest")))
        parent = el.getparent()
        if action == "text":
            el.text = draw(st.one_of(TEXTS, st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)),
                                                    max_size=20)))
        elif action == "attribute":
            el.set(draw(st.sampled_from(("version", "ID", "algoritmo", "x"))), draw(TEXTS))
        elif action == "drop" and parent is not None:
            parent.remove(el)
        elif action == "duplicate" and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif action == "rename":
            el.tag = (etree.QName(el).namespace and f"{{{etree.QName(el).namespace}}}X") or "X"
        elif action == "namespace":
            namespace = draw(st.sampled_from(("http://www.sii.cl/SiiDte", "urn:otro", "http://www.w3.org/2000/09/xmldsig#")))
            el.tag = f"{{{namespace}}}{etree.QName(el).localname}"
        elif action == "nest" and parent is not None:
            wrapper = etree.Element("N")
            parent.replace(el, wrapper)
            inner = wrapper
            for _ in range(draw(st.sampled_from((1, 50, 300)))):
                inner = etree.SubElement(inner, "N")
            inner.append(el)
    return etree.tostring(root, encoding=encoding, xml_declaration=draw(st.booleans()))


def hostile() -> st.SearchStrategy[bytes]:
    """Documents an attacker writes: entity bombs, external entities and DTDs, XInclude, deep, huge or wide trees."""
    return st.sampled_from(HOSTILE)
