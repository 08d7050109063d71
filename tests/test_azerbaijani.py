import pytest

from asan_portal.azerbaijani import fold, sort_key


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sexsiyyet vesiqesi", "Şəxsiyyət vəsiqəsi"),
        ("shexsiyyet", "şəxsiyyət"),
        ("SEXSIYYET", "ŞƏXSİYYƏT"),
        ("icaze", "İcazə"),
        ("ucun", "üçün"),
        ("dogum", "Doğum"),
        ("olum", "Ölüm"),
        ("chixarish", "çıxarış"),
        ("елка", "Ёлка"),
    ],
)
def test_fold_makes_typed_and_stored_spellings_meet(typed, stored):
    assert fold(typed) == fold(stored)


def test_fold_turns_capital_dotted_i_into_plain_i_not_i_with_a_combining_dot():
    assert fold("İSMAYILLI") == "ismayilli"
    assert "\u0307" not in fold("İ")


def test_fold_keeps_x_which_is_its_own_letter():
    assert fold("Xidmət") == "xidmet"


def test_fold_turns_punctuation_into_single_spaces():
    assert fold("  Nikahın   qeydə alınması (arayış)! ") == "nikahin qeyde alinmasi arayis"


def test_sort_key_follows_the_azerbaijani_alphabet():
    words = ["Zaqatala", "Şəki", "Sumqayıt", "Ağdam", "Əli", "Ismayıllı", "İmişli", "Çay", "Cəbrayıl"]
    assert sorted(words, key=sort_key) == [
        "Ağdam",
        "Cəbrayıl",
        "Çay",
        "Əli",
        "Ismayıllı",
        "İmişli",
        "Sumqayıt",
        "Şəki",
        "Zaqatala",
    ]
