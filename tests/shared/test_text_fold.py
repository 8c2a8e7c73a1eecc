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


def test_hqs_search_text_holds_the_joined_forms_too():
    assert text_fold.without_joiners("Coca-Cola 1/2 L D'Olivo S.A.") == "CocaCola 12 L DOlivo SA"
    text = catalog_import.search_text({"name": "Coca-Cola 1,5 L", "brand": "", "category": "Bebidas", "sku": "S-1"})
    assert text == " coca cola 1 5 l bebidas s 1 cocacola 1 5 l bebidas s1 "
    for typed in ("cocacola", "coca cola", "COCA-COLA", "s1", "s-1"):
        assert all(f" {w}" in text for w in catalog_import.search_words(typed)), typed
    assert catalog_import.search_text({}) == " "
