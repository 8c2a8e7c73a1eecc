"""What every fuzz target shares: its example budget, a time bound per input, mutations of valid inputs, and the
oracle's test for a Spanish message.

A target's budget is ``suite`` examples in the ordinary suite (derandomized: the same inputs every run) and
``weight`` × ``FUZZ_EXAMPLES`` when ``scripts/fuzz`` runs it (the ``fuzz`` hypothesis profile: random, no deadline).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator
from types import FrameType

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0") or 0)
"""Examples of a weight-1 target in a fuzz run (``scripts/fuzz --examples``); 0 in the ordinary suite."""

_QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
          HealthCheck.function_scoped_fixture]


def budget(suite: int, weight: float = 1.0) -> settings:
    """Hypothesis settings for one target: ``suite`` examples in the suite, ``weight × FUZZ_EXAMPLES`` in a fuzz run."""
    if FUZZ_EXAMPLES:
        return settings(max_examples=max(1, round(FUZZ_EXAMPLES * weight)), deadline=None, derandomize=False,
                        database=None, suppress_health_check=_QUIET, print_blob=True)
    return settings(max_examples=suite, deadline=None, derandomize=True, database=None,
                    suppress_health_check=_QUIET)


class InputHung(Exception):
    """One input took longer than its bound: a hang, whatever the parser would have answered."""


@contextlib.contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Raise :class:`InputHung` in the block when it runs longer than ``seconds`` (wall clock, SIGALRM)."""
    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise InputHung(f"una entrada tardó más de {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_SPANISH = frozenset((
    "de", "la", "el", "no", "es", "un", "una", "se", "que", "en", "del", "los", "las", "por", "para", "con", "sin",
    "falta", "faltan", "debe", "debería", "tiene", "trae", "llegó", "inválido", "inválida", "inválidos", "mal",
    "formado", "ilegible", "archivo", "fila", "columna", "balanza", "código", "dato", "datos", "campo", "lote",
    "evento", "eventos", "esperaba", "número", "entero", "texto", "objeto", "rechazado", "rechazada", "válido",
    "válida", "está", "son", "o", "y", "dígito", "dígitos", "largo", "caracteres", "etiqueta", "peso", "precio",
    "firma", "planilla", "vacío", "vacía", "protocolo", "desconocido", "desconocida", "conexión", "antes", "época",
    "fuera", "orden", "pertenece", "empiezan", "máximo", "mínimo", "niveles", "anidados", "demasiado", "grande",
    "pesa", "revise", "intente", "otra", "otro", "tipo", "fecha", "monto", "cantidad", "nombre", "envió",
    "entienden", "incompleto", "dañado", "llegó", "elija", "existe", "aparece", "nulos", "divídalo", "guárdelo",
    "ábralo", "leer", "lee", "puede", "pueden", "ninguna", "ningún", "solo", "sólo", "hay"
))
_ACCENTED = re.compile("[áéíóúñ¿¡]")
_ENGLISH = re.compile(r"Traceback|has no attribute|NoneType|not subscriptable|unsupported operand|invalid literal"
                      r"|object is not|can't decode|out of range|unexpected keyword")


def spanish(message: str) -> bool:
    """Whether ``message`` reads as an error for a person in Spanish: Spanish words, and no Python wording before
    the first ``": "`` (a technical detail may follow it, as parsers' own messages do)."""
    words = set(re.findall(r"[a-záéíóúñü]+", message.lower()))
    lead = message.split(": ", 1)[0]
    return bool(message.strip() and (words & _SPANISH or _ACCENTED.search(message))) and not _ENGLISH.search(lead)


# --- mutations of valid inputs --------------------------------------------------------------------------------

@st.composite
def mutated(draw: st.DrawFn, valid: bytes, alphabet: bytes = b"") -> bytes:
    """``valid`` changed in a few places: bytes replaced, dropped, inserted or duplicated, cut short, or spliced
    with itself; inserted bytes come from ``alphabet`` (any byte when empty) or from ``valid`` itself."""
    data = bytearray(valid)
    pool = st.sampled_from(sorted(set(alphabet or valid))) if alphabet or valid else st.integers(0, 255)
    any_byte = st.one_of(st.integers(0, 255), pool)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(("replace", "drop", "insert", "duplicate", "cut", "splice", "bitflip")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "replace" and data:
            data[at] = draw(any_byte)
        elif action == "drop" and data:
            del data[at:at + draw(st.integers(1, 4))]
        elif action == "insert":
            data[at:at] = bytes(draw(st.lists(any_byte, min_size=1, max_size=8)))
        elif action == "duplicate" and data:
            end = draw(st.integers(at, min(len(data), at + 64)))
            data[at:at] = data[at:end]
        elif action == "cut":
            del data[at:]
        elif action == "splice" and data:
            other = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[other:other + draw(st.integers(1, 32))]
        elif action == "bitflip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


def mutated_text(valid: str, alphabet: str = "") -> st.SearchStrategy[str]:
    """``valid`` text mutated as :func:`mutated` does, character by character (any character when ``alphabet`` is
    empty: Unicode digits, separators, surrogates excluded)."""
    chars = st.characters(exclude_categories=("Cs",))
    pool = st.one_of(chars, st.sampled_from(sorted(set(alphabet or valid or "0")))) if alphabet or valid else chars

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = list(valid)
        for _ in range(draw(st.integers(1, 4))):
            action = draw(st.sampled_from(("replace", "drop", "insert", "cut")))
            at = draw(st.integers(0, max(len(text) - 1, 0)))
            if action == "replace" and text:
                text[at] = draw(pool)
            elif action == "drop" and text:
                del text[at]
            elif action == "insert":
                text[at:at] = draw(st.lists(pool, min_size=1, max_size=4))
            elif action == "cut":
                del text[at:]
        return "".join(text)
    return build()
