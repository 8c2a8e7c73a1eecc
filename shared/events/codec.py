"""Event codec: stable type names and versions <-> frozen dataclasses, JSON transcoders and upcasters.

Each event class declares ``TYPE`` (a stable string, never an import path) and ``VERSION``. Terminals run old
versions offline for weeks, so a payload of an older version is upcast step by step (v1 -> v2 -> ...) by the
functions registered in ``Codec.upcasters`` before it is decoded.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from shared import errors

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class Event(Protocol):
    """What every event dataclass provides."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    __dataclass_fields__: ClassVar[dict[str, Any]]


_PLAIN = frozenset({str, int, bool, float, type(None)})


def to_payload(value: Any) -> Any:
    """Plain JSON data for a dataclass, Decimal (as str), Enum (its value), datetime (ISO), tuple or dict."""
    kind: Any = type(value)
    if kind in _PLAIN:
        return value
    if kind is Decimal:
        return str(value)
    if kind is tuple or kind is list:
        return [to_payload(v) for v in value]
    names = _field_names(kind)
    if names is not None:
        return {name: to_payload(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_payload(v) for k, v in value.items()}
    return value


@functools.cache
def _field_names(kind: Any) -> tuple[str, ...] | None:
    """The field names of a dataclass type (None for other types), looked up once per type."""
    if dataclasses.is_dataclass(kind):
        return tuple(f.name for f in dataclasses.fields(kind))
    return None


def from_payload(hint: Any, data: Any) -> Any:
    """Rebuild a value of type ``hint`` from :func:`to_payload` output.

    Raises:
        EventError: the data does not fit the type.
    """
    return _decoder(hint)(data)


Decoder = Callable[[Any], Any]


@functools.cache
def _decoder(hint: Any) -> Decoder:
    """A function that rebuilds values of ``hint``, built once per type (decoding is on the server's hot path)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        inner = _decoder(next(a for a in args if a is not type(None)))
        if type(None) in args:
            return lambda data: None if data is None else inner(data)
        return inner
    if origin is tuple:
        item = _decoder(typing.get_args(hint)[0])

        def items(data: Any) -> Any:
            if type(data) is not list and type(data) is not tuple:
                raise errors.EventError(f"se esperaba una lista, llegó {type(data).__name__}")
            return tuple(item(v) for v in data)
        return items
    if origin is dict:
        val = _decoder(typing.get_args(hint)[1])
        return lambda data: {k: val(v) for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if hint is Decimal:
        return _decimal
    if hint is datetime:
        return datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if hint in (int, str, bool):
        def check(data: Any) -> Any:
            if type(data) is not hint:  # exactly: JSON true is not an integer (bool subclasses int)
                raise errors.EventError(f"se esperaba {hint.__name__}, llegó {type(data).__name__}")
            return data
        return check
    return lambda data: data


def _decimal(data: Any) -> Decimal:
    """A Decimal from its text (what :func:`to_payload` writes) or a JSON integer; never a float or a boolean.

    Raises:
        EventError: anything else, or text that is not a number.
    """
    kind = type(data)
    if kind is not str and kind is not int:
        raise errors.EventError(f"se esperaba un número decimal como texto, llegó {kind.__name__}")
    try:
        return Decimal(data)
    except ArithmeticError:  # decimal.InvalidOperation
        raise errors.EventError(f"{_shown(data)!r} no es un número decimal") from None


def _shown(data: Any) -> str:
    text = str(data)
    return text if len(text) <= 40 else text[:37] + "…"


def _dataclass_decoder(cls: type[Any]) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _decoder(hints[f.name]), _required(f)) for f in dataclasses.fields(cls)]

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            raise errors.EventError(f"{cls.__name__}: se esperaba un objeto, llegó {type(data).__name__}")
        kwargs = {}
        name = ""
        try:
            for name, decode_field, required in fields:
                if name in data:
                    kwargs[name] = decode_field(data[name])
                elif required:
                    raise errors.EventError(f"falta el campo {name}")
            return cls(**kwargs)
        except errors.EventError as exc:
            raise errors.EventError(f"{cls.__name__}.{name}: {exc}") from None
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:  # a value that does not fit the type
            raise errors.EventError(f"{cls.__name__}.{name}: valor de forma inesperada ({type(exc).__name__})") \
                from None
    return decode


def _required(f: dataclasses.Field[Any]) -> bool:
    """A field without ``default`` or ``default_factory`` must be in the payload."""
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


class Codec:
    """Maps ``(type, version)`` to event classes, encodes events to payloads and decodes them back."""

    def __init__(self, classes: Iterable[type[Any]], upcasters: Mapping[tuple[str, int], Upcaster] | None = None):
        self.classes: dict[str, type[Any]] = {}
        for cls in classes:
            if cls.TYPE in self.classes:
                raise ValueError(f"event type {cls.TYPE} registered twice")
            self.classes[cls.TYPE] = cls
        self.upcasters = dict(upcasters or {})

    def encode(self, event: Any) -> tuple[str, int, Payload]:
        """``(type, version, payload)`` of an event. Raises: UnknownEventType for an unregistered class."""
        cls = type(event)
        type_: str = getattr(cls, "TYPE", cls.__name__)
        if self.classes.get(type_) is not cls:
            raise errors.UnknownEventType(type_, getattr(cls, "VERSION", 0))
        payload: Payload = to_payload(event)
        return cls.TYPE, cls.VERSION, payload

    def decode(self, type_: str, version: int, payload: Mapping[str, Any]) -> Any:
        """The event for a stored payload, upcast to the current version first.

        Raises:
            UnknownEventType: an unknown type, a version newer than this code, or a missing upcaster.
            EventError: the payload does not fit the event's fields.
        """
        cls = self.classes.get(type_)
        if cls is None or version > cls.VERSION or version < 1:
            raise errors.UnknownEventType(type_, version)
        data = dict(payload)
        while version < cls.VERSION:
            upcast = self.upcasters.get((type_, version))
            if upcast is None:
                raise errors.UnknownEventType(type_, version)
            data = upcast(data)
            version += 1
        return from_payload(cls, data)
