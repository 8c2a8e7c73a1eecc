"""How searches compare text: case, accents (ñ → n) and punctuation folded away, the same on the till and at HQ."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
JOINERS = "-./'’‐"
"""What joins a word's parts ("Coca-Cola", "S.A.", "1/2"): searches also find the word with them left out."""
_JOINER = re.compile(f"[{re.escape(JOINERS)}]")


def words(text: str) -> list[str]:
    """The words of ``text`` as searches compare them: lower case, accents off (ñ → n), split on anything that is
    not an ASCII letter or digit (``"Coca-Cola 1,5 L"`` → ``["coca", "cola", "1", "5", "l"]``); the till's FTS5
    ``unicode61 remove_diacritics 2`` tokenizer folds and splits the same way."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).split()


def fold(text: str) -> str:
    """The :func:`words` of ``text`` separated by one space (``"Café  Marley-Coffee"`` → ``"cafe marley coffee"``);
    ``""`` when it has none."""
    return " ".join(words(text))


def joined(text: str) -> str:
    """The :func:`words` of ``text`` run together, for substring searches that ignore spaces and hyphens
    (``"Coca-Cola"`` and ``"coca cola"`` → ``"cocacola"``, ``"76.123.456-0"`` → ``"761234560"``)."""
    return "".join(words(text))


def without_joiners(text: str) -> str:
    """``text`` with the :data:`JOINERS` left out (``"Coca-Cola 1/2 L"`` → ``"CocaCola 12 L"``): its words are the
    joined forms a search also finds, as the till's ``products_fts.joined`` column (journal migration 0016)."""
    return _JOINER.sub("", text)
