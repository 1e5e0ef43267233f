"""Title casing for text that arrived shouting (or whispering) in a single case.

Many source systems store names and addresses in capitals. ``str.title`` is fast and already
right for "O'Brien" and "Smith-Jones", so it does the work and two fix-ups follow: a single
letter after an apostrophe is a possessive or contraction ("John's", not "John'S"), and the
letter after a leading "Mc" is a capital ("McDonald").
"""

from __future__ import annotations


def _possessives_lower(titled: str) -> str:
    """``"John'S"`` -> ``"John's"``: one letter alone after an apostrophe goes lower case."""
    at = titled.find("'")
    while at != -1:
        letter = at + 1
        if (
            at
            and letter < len(titled)
            and titled[at - 1].isalpha()
            and titled[letter].isalpha()
            and (letter + 1 == len(titled) or not titled[letter + 1].isalpha())
        ):
            titled = titled[:letter] + titled[letter].lower() + titled[letter + 1 :]
        at = titled.find("'", letter)
    return titled


def _mc_raised(titled: str) -> str:
    """``'Mcdonald'`` -> ``'McDonald'``: a word's leading "Mc" takes a capital after it."""
    at = titled.find("Mc")
    while at != -1:
        letter = at + 2
        if (
            (at == 0 or not titled[at - 1].isalpha())
            and letter < len(titled)
            and titled[letter].isalpha()
        ):
            titled = titled[:letter] + titled[letter].upper() + titled[letter + 1 :]
        at = titled.find("Mc", letter)
    return titled


def smart_title(text: str) -> str:
    """``"O'BRIEN"`` -> ``"O'Brien"``, ``'SMITH-JONES'`` -> ``'Smith-Jones'``, ``"JOHN'S"`` ->
    ``"John's"``, ``'MCDONALD'`` -> ``'McDonald'``, ``'mary ann'`` -> ``'Mary Ann'``."""
    titled = text.title()
    if "'" in titled:
        titled = _possessives_lower(titled)
    if "Mc" in titled:
        titled = _mc_raised(titled)
    return titled


def is_single_case(text: str) -> bool:
    """True when every cased letter is upper case, or every one is lower case."""
    return text.isupper() or text.islower()
