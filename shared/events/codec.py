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
        return lambda data: tuple(item(v) for v in data)
    if origin is dict:
        val = _decoder(typing.get_args(hint)[1])
        return lambda data: {k: val(v) for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if hint is Decimal:
        return Decimal
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


def _dataclass_decoder(cls: type[Any]) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _decoder(hints[f.name]), _required(f)) for f in dataclasses.fields(cls)]

    def decode(data: Any) -> Any:
        try:
            kwargs = {}
            for name, decode_field, required in fields:
                if name in data:
                    kwargs[name] = decode_field(data[name])
                elif required:
                    raise KeyError(name)
            return cls(**kwargs)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:  # decimal.InvalidOperation too
            raise errors.EventError(f"{cls.__name__}: {exc}") from None
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
