"""shared.errors: the documented exception tree and the data each exception carries for the cashier."""

from __future__ import annotations

import inspect
import re

import pytest

from shared import errors


def documented_tree() -> dict[str, str]:
    """``{class name: parent name}`` read from the module docstring's tree drawing."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^(\s*(?:[│ ]\s*)*(?:[├└]── )?)(\w+)", line)
        if not match or not match.group(2)[0].isupper() or ("──" not in line and match.group(2) != "PosError"):
            continue
        depth = len(match.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_the_docstring_tree_matches_the_classes() -> None:
    tree = documented_tree()
    assert tree["InvalidRut"] == "InvalidInput"
    assert tree["ChainBroken"] == "EventError"
    for name, parent in tree.items():
        cls = getattr(errors, name)
        assert cls.__bases__ == (getattr(errors, parent),), name
    defined = {
        name
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.PosError) and cls is not errors.PosError
    }
    assert defined == set(tree)
    assert issubclass(errors.PosError, Exception)


@pytest.mark.parametrize(
    ("exc", "attrs", "message"),
    [
        (
            errors.InvalidRut("1-2"),
            {"value": "1-2", "reason": "dígito verificador incorrecto"},
            "RUT inválido '1-2': dígito verificador incorrecto",
        ),
        (errors.InvalidBarcode("123", "largo"), {"code": "123", "reason": "largo"}, "código '123': largo"),
        (errors.InvalidQuantity("0", "cero"), {"value": "0", "reason": "cero"}, "cantidad '0': cero"),
        (errors.InvalidAmount(-5, "negativo"), {"value": -5, "reason": "negativo"}, "monto -5: negativo"),
        (errors.UnknownProduct("780"), {"code": "780"}, "producto no encontrado: 780"),
        (errors.EmptySale(), {}, "la venta no tiene productos"),
        (errors.LineNotFound("3"), {"line_id": "3"}, "línea 3 no existe"),
        (errors.WeightRequired("FIA-010", "Queso"), {"sku": "FIA-010", "name": "Queso"}, "Queso: ingrese el peso"),
        (
            errors.PaymentShort(5000, 4000),
            {"due": 5000, "tendered": 4000},
            "pago insuficiente: total 5000, pagado 4000",
        ),
        (
            errors.TenderExceedsDue("efectivo", 100, 0),
            {"kind": "efectivo", "amount": 100, "remaining": 0},
            "efectivo: 100 supera lo que falta pagar (0)",
        ),
        (errors.ShiftError("cerrado", "closed"), {"state": "closed"}, "cerrado"),
        (errors.WrongPin("u", 2), {"user_id": "u", "failures": 2}, "PIN incorrecto (2 intentos)"),
        (errors.LockedOut("u", "10:15"), {"user_id": "u", "until": "10:15"}, "usuario bloqueado hasta 10:15"),
        (
            errors.NotAuthorised("u", "discount"),
            {"user_id": "u", "action": "discount"},
            "u no puede autorizar discount",
        ),
        (
            errors.AuthorisationRequired("void_line"),
            {"action": "void_line"},
            "se requiere autorización de supervisor: void_line",
        ),
        (errors.UnknownEventType("x.y", 2), {"type": "x.y", "version": 2}, "tipo de evento desconocido x.y v2"),
        (errors.ChainBroken(7, "alterado"), {"seq": 7, "reason": "alterado"}, "cadena de hash rota en seq 7: alterado"),
        (errors.SeqGap(4, 6), {"expected_seq": 4, "seq": 6}, "falta desde seq 4 (llegó seq 6)"),
        (errors.HistoryDiffers(3), {"seq": 3}, "seq 3 difiere de lo recibido antes: diario restaurado o copiado"),
        (errors.ForeignStream(2, "otro terminal"), {"seq": 2, "reason": "otro terminal"}, "seq 2: otro terminal"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else "",
)
def test_exceptions_carry_their_data_and_a_spanish_message(
    exc: errors.PosError, attrs: dict[str, object], message: str
) -> None:
    assert str(exc) == message
    for name, value in attrs.items():
        assert getattr(exc, name) == value
    with pytest.raises(errors.PosError):
        raise exc
