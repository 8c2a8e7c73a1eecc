"""The sentence a cashier reads for an error of the till (every presenter says errors this way)."""

from __future__ import annotations

from shared import errors, money


def describe(exc: Exception) -> str:
    """The sentence a cashier reads for an error."""
    if isinstance(exc, errors.UnknownProduct):
        return f"Producto no encontrado: {exc.code}"
    if isinstance(exc, errors.InvalidBarcode):
        return f"Código inválido ({exc.code}): {exc.reason}. Escanee de nuevo o escriba el nombre."
    if isinstance(exc, errors.InvalidQuantity):
        return f"Cantidad no válida: {exc.reason}"
    if isinstance(exc, errors.InvalidAmount):
        return f"Monto no válido: {exc.reason}"
    if isinstance(exc, errors.WrongPin):
        return f"PIN incorrecto (intento {exc.failures})" if exc.failures else "PIN incorrecto"
    if isinstance(exc, errors.LockedOut):
        return f"Demasiados intentos: bloqueado hasta las {exc.until[11:16]}"
    if isinstance(exc, errors.PaymentShort):
        return (f"Falta dinero: el total es {money.format_clp(exc.due)} y se recibió "
                f"{money.format_clp(exc.tendered)}")
    return str(exc)
