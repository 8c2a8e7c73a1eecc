"""Push bodies for the batch targets: a real till's entries as a signed batch, and mutations of its JSON tree
(values replaced by any JSON, keys dropped or added, types swapped) re-sealed or not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from shared import sync
from shared.events import envelope

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "0", "-1", "1e400", "NaN", "²", "٣", "9" * 30, "2026-11-20T12:00:00-03:00", "\x00",
                     "9999-12-31", "1.5", "kg", "unit", "cash"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


def paths(tree: Any, limit: int = 40) -> list[tuple[Any, ...]]:
    """Paths (keys and indexes) to the nodes of a JSON tree down to ``limit`` levels, the root's ``()`` included."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), tree)]
    while stack:
        prefix, node = stack.pop()
        out.append(prefix)
        if len(prefix) >= limit:
            continue
        if isinstance(node, dict):
            stack.extend(((*prefix, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*prefix, index), value) for index, value in enumerate(node))
    return out


def _swap(value: Any) -> Any:
    """The same value in another JSON type (1 → "1", "12" → 12, a list → its first item…)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value % 3 == 0:
        return float("inf") if value % 2 else float(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() else [value]
    if isinstance(value, list):
        return value[0] if value else {}
    if isinstance(value, dict):
        return list(value.values())
    return value


class Opaque:
    """A drawn value shown by its type only (hypothesis' printer recurses once per level of a 600-deep list)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<mutated {type(self.value).__name__}>"


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Any, max_changes: int = 3) -> Opaque:
    """``tree`` (a JSON value) with 1..``max_changes`` structural changes (its ``.value``)."""
    tree = json.loads(json.dumps(tree))
    for _ in range(draw(st.integers(1, max_changes))):
        path = draw(st.sampled_from(paths(tree)))
        parent: Any = None
        node = tree
        for key in path:
            parent, node = node, node[key]
        action = draw(st.sampled_from(("replace", "drop", "add", "swap", "deepen")))
        new: Any
        if action == "replace":
            new = draw(json_values)
        elif action == "swap":
            new = _swap(node)
        elif action == "deepen":
            new = node
            for _ in range(draw(st.sampled_from((1, 3, 300, 600)))):
                new = [new]
            if parent is not None:
                parent[path[-1]] = new
                return Opaque(tree)  # the last change: nothing is walked below a deep list
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(max_size=10))] = draw(json_values)
            continue
        elif action == "drop" and parent is not None:
            del parent[path[-1]]
            continue
        else:
            continue
        if parent is None:
            tree = new
        else:
            parent[path[-1]] = new
    return Opaque(tree)


def batch(entries: Sequence[envelope.Envelope]) -> sync.PushBatch:
    first = entries[0]
    return sync.PushBatch(first.tenant_id, first.store_id, first.terminal_id, first.epoch, first.seq,
                          first.prev_hash, tuple(entries))


def dumps(tree: Any) -> bytes:
    """JSON text of ``tree`` as a hostile client may write it (NaN and Infinity literals allowed, deep nesting)."""
    try:
        return json.dumps(tree, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    except RecursionError:
        return b"[" * 5000 + b"]" * 5000


def resealed(bodies: Sequence[dict[str, Any]], prev_hash: str) -> list[envelope.Envelope] | None:
    """``bodies`` (envelope bodies, possibly mutated) sealed as a chain after ``prev_hash``, or None when a body is
    no longer one a till could seal (a field of the wrong type: such bodies go out as raw JSON instead)."""
    out, prev = [], prev_hash
    try:
        for body in bodies:
            fields = {k: body[k] for k in ("event_id", "tenant_id", "store_id", "terminal_id", "epoch", "seq",
                                            "occurred_at", "type", "version", "payload")}
            out.append(envelope.seal(**fields, prev_hash=prev))
            prev = out[-1].hash
    except (KeyError, TypeError, ValueError, RecursionError):
        return None
    return out
