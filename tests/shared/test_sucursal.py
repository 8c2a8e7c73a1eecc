"""shared.sucursal.origin: the store's address and sucursal code over the emisor's, each only when HQ has it."""

from __future__ import annotations

from shared.sucursal import Origin, origin

MATRIZ = Origin("Av. Providencia 1234", "Providencia", "Santiago", 81234567)


def test_no_store_or_a_store_without_data_keeps_the_casa_matriz() -> None:
    assert origin(MATRIZ, None) == MATRIZ
    assert origin(MATRIZ, Origin("", "", "", None)) == MATRIZ
    assert origin(MATRIZ, Origin("", "Ñuñoa", "Santiago", None)) == MATRIZ  # a comuna without an address: no


def test_the_stores_address_and_code_replace_the_emisors_blank_comuna_and_ciudad_fall_back() -> None:
    assert origin(MATRIZ, Origin("Irarrázaval 3456", "Ñuñoa", "Stgo", 81234999)) == Origin(
        "Irarrázaval 3456", "Ñuñoa", "Stgo", 81234999)
    assert origin(MATRIZ, Origin("Irarrázaval 3456", "", "", None)) == Origin(
        "Irarrázaval 3456", "Providencia", "Santiago", 81234567)
    assert origin(MATRIZ, Origin("", "", "", 7)) == Origin("Av. Providencia 1234", "Providencia", "Santiago", 7)
