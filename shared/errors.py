"""The exception tree of the domain core; adapters translate third-party errors into it.

    PosError
    ├── InvalidInput
    │   ├── InvalidRut(value)
    │   ├── InvalidBarcode(code, reason)
    │   ├── InvalidQuantity(value, reason)
    │   └── InvalidAmount(value, reason)
    ├── UnknownProduct(code)
    ├── SaleError
    │   ├── EmptySale()
    │   ├── LineNotFound(line_id)
    │   ├── WeightRequired(sku)
    │   ├── PaymentShort(due, tendered)
    │   └── TenderExceedsDue(kind, amount, remaining)
    ├── ShiftError(state)
    ├── FiadoError
    │   ├── FiadoOverLimit(message, needs_supervisor, headroom)
    │   ├── UnknownPayment(payment_id)
    │   ├── ReversalOfReversal(payment_id)
    │   └── PaymentAlreadyReversed(payment_id)
    ├── AuthError
    │   ├── WrongPin(user_id, failures)
    │   ├── LockedOut(user_id, until)
    │   ├── NotAuthorised(user_id, action)
    │   └── AuthorisationRequired(action)
    └── EventError
        ├── UnknownEventType(type, version)
        ├── ChainBroken(seq, reason)
        ├── SeqGap(expected_seq, seq)
        ├── HistoryDiffers(seq)
        └── ForeignStream(seq, reason)

Every exception carries the data a presenter needs to word a message for the cashier.
"""

from __future__ import annotations


class PosError(Exception):
    """Base of every error raised by Almacén's own code."""


class InvalidInput(PosError):
    """A value typed, scanned or received cannot be used."""


class InvalidRut(InvalidInput):
    def __init__(self, value: str, reason: str = "dígito verificador incorrecto") -> None:
        super().__init__(f"RUT inválido {value!r}: {reason}")
        self.value = value
        self.reason = reason


class InvalidBarcode(InvalidInput):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"código {code!r}: {reason}")
        self.code = code
        self.reason = reason


class InvalidQuantity(InvalidInput):
    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"cantidad {value!r}: {reason}")
        self.value = value
        self.reason = reason


class InvalidAmount(InvalidInput):
    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"monto {value!r}: {reason}")
        self.value = value
        self.reason = reason


class UnknownProduct(PosError):
    def __init__(self, code: str) -> None:
        super().__init__(f"producto no encontrado: {code}")
        self.code = code


class SaleError(PosError):
    """A sale cannot take the requested step."""


class EmptySale(SaleError):
    def __init__(self) -> None:
        super().__init__("la venta no tiene productos")


class LineNotFound(SaleError):
    def __init__(self, line_id: str) -> None:
        super().__init__(f"línea {line_id} no existe")
        self.line_id = line_id


class WeightRequired(SaleError):
    def __init__(self, sku: str, name: str) -> None:
        super().__init__(f"{name}: ingrese el peso")
        self.sku = sku
        self.name = name


class PaymentShort(SaleError):
    def __init__(self, due: int, tendered: int) -> None:
        super().__init__(f"pago insuficiente: total {due}, pagado {tendered}")
        self.due = due
        self.tendered = tendered


class TenderExceedsDue(SaleError):
    def __init__(self, kind: str, amount: int, remaining: int) -> None:
        super().__init__(f"{kind}: {amount} supera lo que falta pagar ({remaining})")
        self.kind = kind
        self.amount = amount
        self.remaining = remaining


class ShiftError(PosError):
    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


class FiadoError(PosError):
    """A customer's store credit (fiado) cannot take the requested step (docs/fiado.md)."""


class FiadoOverLimit(FiadoError):
    """A charge beyond the customer's limit or the offline allowance (``shared.fiado.decide_charge``'s reason):
    ``needs_supervisor`` says a supervisor's PIN lets it pass; ``headroom`` is what may be charged without one."""

    def __init__(self, message: str, *, needs_supervisor: bool = True, headroom: int = 0) -> None:
        super().__init__(message)
        self.needs_supervisor = needs_supervisor
        self.headroom = headroom


class UnknownPayment(FiadoError):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"el abono {payment_id} no existe en la cuenta del cliente")
        self.payment_id = payment_id


class ReversalOfReversal(FiadoError):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"{payment_id} es una reversa: una reversa no se revierte (registre un abono nuevo)")
        self.payment_id = payment_id


class PaymentAlreadyReversed(FiadoError):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"el abono {payment_id} ya fue reversado")
        self.payment_id = payment_id


class AuthError(PosError):
    """A PIN or a role does not allow the action."""


class WrongPin(AuthError):
    def __init__(self, user_id: str, failures: int) -> None:
        super().__init__(f"PIN incorrecto ({failures} intentos)")
        self.user_id = user_id
        self.failures = failures


class LockedOut(AuthError):
    def __init__(self, user_id: str, until: str) -> None:
        super().__init__(f"usuario bloqueado hasta {until}")
        self.user_id = user_id
        self.until = until


class NotAuthorised(AuthError):
    def __init__(self, user_id: str, action: str) -> None:
        super().__init__(f"{user_id} no puede autorizar {action}")
        self.user_id = user_id
        self.action = action


class AuthorisationRequired(AuthError):
    """The action needs a supervisor's PIN; ``action`` is the ``roles.Action`` value."""

    def __init__(self, action: str) -> None:
        super().__init__(f"se requiere autorización de supervisor: {action}")
        self.action = action


class EventError(PosError):
    """An event cannot be encoded, decoded or chained."""


class UnknownEventType(EventError):
    def __init__(self, type_: str, version: int) -> None:
        super().__init__(f"tipo de evento desconocido {type_} v{version}")
        self.type = type_
        self.version = version


class ChainBroken(EventError):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"cadena de hash rota en seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason



class SeqGap(EventError):
    """An event store was given entries that do not start right after its head (``shared.journal``)."""

    def __init__(self, expected_seq: int, seq: int) -> None:
        super().__init__(f"falta desde seq {expected_seq} (llegó seq {seq})")
        self.expected_seq = expected_seq
        self.seq = seq


class HistoryDiffers(EventError):
    """A re-sent entry is not the one stored under its seq: a restored or copied journal (``shared.journal``)."""

    def __init__(self, seq: int) -> None:
        super().__init__(f"seq {seq} difiere de lo recibido antes: diario restaurado o copiado")
        self.seq = seq


class ForeignStream(EventError):
    """Entries of more than one stream in one range, or of a stream this store does not keep (``shared.journal``)."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason
