"""Folding Azerbaijani (and Russian) text for search.

People without an Azerbaijani keyboard type "sexsiyyet", "shexsiyyet" or "SEXSIYYET"
for "şəxsiyyət". We fold both the stored text and the query with the same function,
so any spelling meets any other. `str.lower()` alone is wrong here: "İ".lower()
gives "i" plus a combining dot, so capitals are mapped with an explicit table first.
"""

import re
import unicodedata

_CAPITALS = str.maketrans({"İ": "i", "I": "ı"})
_LETTERS = str.maketrans(
    {
        "ə": "e",
        "ğ": "g",
        "ı": "i",
        "ö": "o",
        "ü": "u",
        "ş": "s",
        "ç": "c",
        "ё": "е",
        "й": "и",
    }
)
# Digraphs typed for ş and ç on Latin keyboards; "x" stays, it is its own letter in Azerbaijani.
_DIGRAPHS = (("sh", "s"), ("ch", "c"))
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics, with punctuation turned into spaces."""
    if not text:
        return ""
    text = text.translate(_CAPITALS).lower().translate(_LETTERS)
    # Strip any other combining marks (é, the stray dot of a lower-cased İ, ...).
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return " ".join(_NON_WORD.sub(" ", text).split())


def sort_key(text: str) -> tuple:
    """Key that sorts Latin-script Azerbaijani in its own alphabetical order (a b c ç d e ə ...)."""
    return tuple(_ALPHABET_RANK.get(c, 100 + ord(c)) for c in text.translate(_CAPITALS).lower())


_ALPHABET = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
_ALPHABET_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
