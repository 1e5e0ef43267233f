"""Small text transformations shared by the generators: folding to ASCII, cp1252 folding."""

from __future__ import annotations

import codecs
import unicodedata
from functools import lru_cache

_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss",
                                   "’": "'", "‘": "'"})
FOLD_ERRORS = "joinedup-synth-fold"


@lru_cache(maxsize=8192)
def ascii_fold(text: str) -> str:
    """``'Wiśniewska'`` -> ``'Wisniewska'``, ``'O’Brien'`` -> ``"O'Brien"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_error(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start: exc.end]
    return ascii_fold(bad).encode("ascii", "replace").decode("ascii"), exc.end


def register_fold_errors() -> None:
    """Let a legacy encoding (cp1252) write letters it lacks as their plain forms, as old
    council systems do: ``'Paweł'`` is written ``'Pawel'``."""
    try:
        codecs.lookup_error(FOLD_ERRORS)
    except LookupError:
        codecs.register_error(FOLD_ERRORS, _fold_error)
