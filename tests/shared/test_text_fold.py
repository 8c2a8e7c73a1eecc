"""shared.text_fold: the one fold every search uses (case, accents and punctuation aside)."""

from __future__ import annotations

from shared import catalog_import, text_fold


def test_words_fold_case_accents_and_punctuation_like_the_tills_tokenizer():
    assert text_fold.words("  Café Marley-COFFEE 1,5 L  Ñuñoa ") == ["cafe", "marley", "coffee", "1", "5", "l", "nunoa"]
    assert text_fold.words("¡¿--?!") == []


def test_fold_spaces_the_words_and_joined_runs_them_together():
    assert text_fold.fold("Coca-Cola  1,5 L") == "coca cola 1 5 l"
    assert text_fold.fold("...") == ""
    for typed in ("Coca-Cola", "coca cola", "COCA COLA", "cocacola", "Cóca.Cola"):
        assert text_fold.joined(typed) == "cocacola", typed
    assert text_fold.joined("Coca-Cola Ñuñoa 76.123.456-0") == "cocacolanunoa761234560"


def test_the_catalog_import_fold_is_the_same_words_padded():
    assert catalog_import.fold("Coca-Cola 1,5 L") == " coca cola 1 5 l "
    assert catalog_import.fold("") == " "
