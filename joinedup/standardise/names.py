"""Personal names: tidy them for people to read, and reduce them to keys for record linkage.

Council and partner systems disagree about case ("SMITH", "Smith"), punctuation, titles,
comma order and nicknames. People reading the hub need one readable form; linkage needs one
comparable form (``name_key``) and to know that Bill may be William (``canonical_given_names``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from joinedup.standardise.casing import is_single_case, smart_title
from joinedup.standardise.invalid import InvalidValue

_NO_LETTERS = "a name containing letters, e.g. Mary O'Brien"

# Typographic apostrophes and dashes people paste in from word processors.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2032": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
# Digits vanish ("Smith2" -> "Smith"); other non-letters except hyphens and apostrophes
# separate words ("J.Smith" -> "J Smith"). For ASCII text two regexes do it; other text goes
# character by character, since \w also admits numerals such as "¹" and "Ⅻ".
_DIGITS = re.compile(r"[0-9_]+")
_NOISE = re.compile(r"[^A-Za-z'\-]+")
_KEEP = frozenset("'-")
_HYPHEN_RUN = re.compile(r" ?-[ -]*")
_APOSTROPHE_RUN = re.compile(r"''+")
_SIMPLE = re.compile(r"[A-Za-z]+(?:[-' ][A-Za-z]+)*")  # needs no cleaning

_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "miss",
        "ms",
        "mx",
        "dr",
        "prof",
        "professor",
        "rev",
        "revd",
        "sir",
        "dame",
        "master",
    }
)
_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr", "ii", "iii", "iv", "esq"})
_TITLES_AND_SUFFIXES = _TITLES | _SUFFIXES
# Particles that join the word after them into a family name ("van Beethoven", "St John").
_PARTICLE = "Van|Von|De|Der|Den|Del|Della|Da|Di|Du|La|Le"
_PARTICLES = frozenset([*_PARTICLE.lower().split("|"), "st"])
# A particle as title-cased by smart_title, followed by another word; these go lower case
# ("van Beethoven"), but "St" keeps its capital ("St John").
_INNER_PARTICLE = re.compile(rf" (?:{_PARTICLE})(?= )")
_LEADING_PARTICLE = re.compile(rf"(?:{_PARTICLE})(?= )")


def _letters_only(text: str) -> str:
    """Non-ASCII ``text`` with numerals dropped and other non-letters (except hyphens and
    apostrophes) made spaces; accents that did not compose stay on their letter."""
    chars: list[str] = []
    after_letter = False
    for c in text:
        if c.isalpha():
            chars.append(c)
            after_letter = True
        elif unicodedata.category(c)[0] == "M":
            if after_letter:
                chars.append(c)
        else:
            after_letter = False
            if c in _KEEP:
                chars.append(c)
            elif not (c.isnumeric() or c == "_"):
                chars.append(" ")
    return "".join(chars)


def _words(raw: str) -> list[str]:
    """The name's words with noise removed and case untouched."""
    if _SIMPLE.fullmatch(raw):
        return raw.split(" ")
    if raw.isascii():
        text = _NOISE.sub(" ", _DIGITS.sub("", raw))
    else:
        text = _letters_only(unicodedata.normalize("NFC", raw).translate(_TYPOGRAPHY))
    if "-" in text:
        text = _HYPHEN_RUN.sub("-", text)
    if "''" in text:
        text = _APOSTROPHE_RUN.sub("'", text)
    words = []
    for word in text.split():
        word = word.strip("-'")
        if word:
            words.append(word)
    return words


def _lower(match: re.Match[str]) -> str:
    return match[0].lower()


def _case(text: str, *, lower_leading_particles: bool = False) -> str:
    """Title-case ``text`` (clean words, single spaces) if it arrived all in one case.

    Particles ("van", "de", ...) go lower case when another word follows, unless they start
    the text; with ``lower_leading_particles`` (a family name after a given name) they go lower
    case there too.
    """
    if not is_single_case(text):
        return text
    titled = smart_title(text)
    if " " in titled:
        titled = _INNER_PARTICLE.sub(_lower, titled)
        if lower_leading_particles:
            titled = _LEADING_PARTICLE.sub(_lower, titled, count=1)
    return titled


@lru_cache(maxsize=65536)
def clean_name(raw: str) -> str:
    """``'  MCDONALD '`` -> ``'McDonald'``, ``"o’brien"`` -> ``"O'Brien"``.

    Keeps letters, hyphens, apostrophes and single spaces. Title-cases only input that was
    all upper or all lower case; mixed case is assumed deliberate ("DeVito") and kept.
    """
    if _SIMPLE.fullmatch(raw):
        return _case(raw)
    words = _words(raw)
    if not words:
        raise InvalidValue(_NO_LETTERS)
    return _case(" ".join(words))


def _trim(words: list[str]) -> list[str]:
    """Drop leading titles and trailing suffixes (and titles written after the name)."""
    start, end = 0, len(words)
    while start < end and words[start].lower() in _TITLES:
        start += 1
    while end > start and words[end - 1].lower() in _TITLES_AND_SUFFIXES:
        end -= 1
    return words[start:end]


def _given_and_middle(words: list[str]) -> tuple[str | None, str | None]:
    if not words:
        return None, None
    given = _case(words[0])
    middle = _case(" ".join(words[1:])) if len(words) > 1 else None
    return given, middle


@lru_cache(maxsize=65536)
def split_full_name(raw: str) -> tuple[str | None, str | None, str | None]:
    """``'SMITH, John Paul'`` or ``'Mr John Paul Smith Jr'`` -> ``('John', 'Paul', 'Smith')``.

    Returns (given, middle names, family). Titles and suffixes are dropped; particles stay
    with the family name (``'Ludwig van Beethoven'`` -> family ``'van Beethoven'``); a single
    word is taken as the family name.
    """
    before, comma, after = raw.partition(",")
    if comma:
        given_words = _trim(_words(after.strip()))
        if given_words:
            family_words = _trim(_words(before.strip()))
            given, middle = _given_and_middle(given_words)
            family = (
                _case(" ".join(family_words), lower_leading_particles=True)
                if family_words
                else None
            )
            return given, middle, family
        # Nothing but titles or suffixes after the comma ("John Smith, Jr"): ordinary order.
        raw = before.strip()
    words = _trim(_words(raw))
    if not words:
        raise InvalidValue(_NO_LETTERS)
    if len(words) == 1:
        return None, None, _case(words[0])
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    given, middle = _given_and_middle(words[:start])
    return given, middle, _case(" ".join(words[start:]), lower_leading_particles=True)


# Letters NFKD does not decompose into an ASCII base letter.
_FOLD = str.maketrans(
    {
        "ß": "SS",
        "ẞ": "SS",
        "æ": "AE",
        "Æ": "AE",
        "œ": "OE",
        "Œ": "OE",
        "ø": "O",
        "Ø": "O",
        "ł": "L",
        "Ł": "L",
        "đ": "D",
        "Đ": "D",
        "ð": "D",
        "Ð": "D",
        "þ": "TH",
        "Þ": "TH",
        "ı": "I",
    }
)
_NOT_A_TO_Z = re.compile(r"[^A-Z]+")


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The comparison form for linkage: ``"O'Brien"`` -> ``'OBRIEN'``, ``'Zoë'`` -> ``'ZOE'``.

    ASCII-folded, upper case, nothing but A-Z; may be empty if the name had no letters.
    """
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD))
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_A_TO_Z.sub("", name.upper())


NICKNAMES: dict[str, frozenset[str]] = {
    formal: frozenset(short.split())
    for formal, short in {
        "ABIGAIL": "ABBY ABBIE ABI GAIL",
        "AGNES": "AGGIE NESSIE NESS",
        "ALBERT": "AL BERT BERTIE ALBIE",
        "ALEXANDER": "ALEX ALEC AL SANDY XANDER",
        "ALEXANDRA": "ALEX LEXI LEXIE SANDY SANDRA ALLY",
        "ALFRED": "ALF ALFIE FRED FREDDIE",
        "ALICE": "ALI ALLIE ALLY",
        "AMANDA": "MANDY MANDA",
        "AMELIA": "MILLIE MILLY AMY",
        "ANDREW": "ANDY DREW",
        "ANGELA": "ANGIE ANGE",
        "ANN": "ANNIE NAN NANCY",
        "ANNE": "ANNIE NAN NANCY",
        "ANTHONY": "TONY ANT",
        "ARTHUR": "ART ARTIE",
        "BARBARA": "BARB BABS BARBIE",
        "BEATRICE": "BEA BEE TRIXIE BEATTIE",
        "BENJAMIN": "BEN BENNY BENJI BENJY",
        "BERNARD": "BERNIE BARNEY",
        "CAROLINE": "CARRIE CARO CAZ",
        "CATHERINE": "CATH CATHY CAT KATE KATIE KITTY",
        "CHARLES": "CHARLIE CHAS CHAZ CHUCK",
        "CHARLOTTE": "CHARLIE LOTTIE LOTTY",
        "CHRISTINA": "CHRIS CHRISSIE CHRISSY TINA KIRSTY",
        "CHRISTINE": "CHRIS CHRISSIE CHRISSY TINA",
        "CHRISTOPHER": "CHRIS KIT",
        "CLIFFORD": "CLIFF",
        "CONSTANCE": "CONNIE",
        "DANIEL": "DAN DANNY",
        "DAVID": "DAVE DAVEY DAVY DAI",
        "DEBORAH": "DEBBIE DEBBY DEB DEBS",
        "DENNIS": "DENNY DEN",
        "DOMINIC": "DOM",
        "DONALD": "DON DONNIE DONNY",
        "DOROTHY": "DOT DOTTIE DOTTY DOLLY",
        "DOUGLAS": "DOUG DOUGIE",
        "EDMUND": "ED EDDIE NED TED",
        "EDWARD": "ED EDDIE EDDY TED TEDDY NED",
        "ELEANOR": "ELLIE NELL NELLIE NORA",
        "ELIZABETH": "LIZ LIZZIE LIZZY BETH BETTY BESS BESSIE BETSY ELIZA LIBBY ELSIE",
        "EMILY": "EM EMMY MILLIE",
        "EMMA": "EM EMMY",
        "ERNEST": "ERNIE",
        "ESTHER": "ESSIE HETTY",
        "EVELYN": "EVIE EVE",
        "FELICITY": "FLIC FLICK FLISS",
        "FLORENCE": "FLO FLOSSIE FLORRIE",
        "FRANCES": "FRAN FRANNIE FANNY FRANKIE",
        "FRANCIS": "FRANK FRANKIE",
        "FREDERICK": "FRED FREDDIE FREDDY",
        "GEOFFREY": "GEOFF JEFF",
        "GEORGE": "GEORDIE GEORGIE",
        "GEORGINA": "GEORGIE GINA",
        "GERALD": "GERRY JERRY GED",
        "GERTRUDE": "GERTIE TRUDY",
        "GILLIAN": "GILL JILL GILLY",
        "GREGORY": "GREG",
        "HAROLD": "HARRY HAL",
        "HARRIET": "HATTIE HATTY",
        "HELEN": "NELL NELLIE",
        "HENRIETTA": "ETTA HETTIE HETTY NETTIE",
        "HENRY": "HARRY HAL HANK",
        "HERBERT": "HERB BERT BERTIE",
        "ISABEL": "IZZY ISSY BELLE BELLA",
        "ISABELLA": "IZZY ISSY BELLE BELLA",
        "JACOB": "JAKE",
        "JACQUELINE": "JACKIE JACKY JACQUI JACQUIE",
        "JAMES": "JIM JIMMY JIMMIE JAMIE",
        "JANE": "JANEY JANIE",
        "JANET": "JAN",
        "JENNIFER": "JEN JENNY JENNIE JENNI",
        "JESSICA": "JESS JESSIE",
        "JOAN": "JOANIE",
        "JOANNA": "JO",
        "JOANNE": "JO",
        "JOHN": "JACK JOHNNY JOHNNIE JOCK",
        "JONATHAN": "JON JONNY",
        "JOSEPH": "JOE JOEY",
        "JOSEPHINE": "JO JOSIE JOSEY",
        "JOSHUA": "JOSH",
        "JUDITH": "JUDY JUDI JUDE",
        "KATHERINE": "KATE KATIE KATY KATH KAT KITTY KAY",
        "KATHLEEN": "KATH KATHY KATE",
        "KENNETH": "KEN KENNY",
        "KIMBERLEY": "KIM KIMMY",
        "KIMBERLY": "KIM KIMMY",
        "LAURENCE": "LARRY LAURIE",
        "LAWRENCE": "LARRY LAURIE",
        "LEONARD": "LEN LENNY LEO",
        "LOUISE": "LOU LULU",
        "LUCINDA": "LUCY CINDY",
        "LUCY": "LU LUCE",
        "MADELEINE": "MADDIE MADDY",
        "MALCOLM": "MAL",
        "MARGARET": "PEGGY PEG MAGGIE MEG MADGE MARGE MARGIE MAISIE GRETA RITA",
        "MARJORIE": "MARGE MARGIE",
        "MARTHA": "MATTIE MATTY",
        "MARTIN": "MARTY",
        "MARY": "MOLLY POLLY MAY MAISIE",
        "MATILDA": "TILLY TILLIE TILDA MATTIE",
        "MATTHEW": "MATT MATTY",
        "MELANIE": "MEL",
        "MELISSA": "MEL MISSY LISSA",
        "MICHAEL": "MIKE MIKEY MICK MICKY MICKEY",
        "MILDRED": "MILLY MILLIE",
        "MONTAGUE": "MONTY",
        "NATALIE": "NAT",
        "NATHANIEL": "NAT NATE",
        "NICHOLAS": "NICK NICKY",
        "NICOLA": "NICKY NIKKI NIC",
        "OLIVER": "OLLIE OLLY",
        "OLIVIA": "LIV LIVVY LIVVIE OLLIE",
        "PAMELA": "PAM PAMMY",
        "PATRICIA": "PAT PATSY PATTY PATTIE TRICIA TRISH",
        "PATRICK": "PAT PADDY",
        "PENELOPE": "PENNY PEN",
        "PETER": "PETE",
        "PHILIP": "PHIL PIP",
        "PHILIPPA": "PIPPA PIP PHIL",
        "PHILLIP": "PHIL PIP",
        "PRISCILLA": "CILLA PRISSY",
        "RAYMOND": "RAY",
        "REBECCA": "BECKY BECKIE BECCA BEX",
        "REGINALD": "REG REGGIE",
        "RICHARD": "DICK DICKY RICK RICKY RICH RICHIE",
        "ROBERT": "BOB BOBBY ROB ROBBIE BERT BERTIE RAB",
        "RODNEY": "ROD RODDY",
        "RONALD": "RON RONNIE RONNY",
        "ROSALIND": "ROS ROZ",
        "ROSEMARY": "ROSIE",
        "RUSSELL": "RUSS",
        "SAMANTHA": "SAM SAMMY SAMMIE",
        "SAMUEL": "SAM SAMMY",
        "SARAH": "SALLY SAL SADIE",
        "SEBASTIAN": "SEB",
        "SOPHIA": "SOPH SOPHIE",
        "SOPHIE": "SOPH",
        "STANLEY": "STAN",
        "STEPHANIE": "STEPH STEFF STEVIE",
        "STEPHEN": "STEVE STEVIE",
        "STEVEN": "STEVE STEVIE",
        "STUART": "STU",
        "SUSAN": "SUE SUSIE SUZIE SUZY",
        "SUSANNAH": "SUE SUSIE SUKIE",
        "SUZANNE": "SUE SUZIE SUZY",
        "TERENCE": "TERRY TEL",
        "TERESA": "TESS TESSA TERRI",
        "THEODORE": "THEO TED TEDDY",
        "THERESA": "TESS TESSA TERRI",
        "THOMAS": "TOM TOMMY THOM",
        "TIMOTHY": "TIM TIMMY",
        "TOBIAS": "TOBY",
        "TREVOR": "TREV",
        "VALERIE": "VAL",
        "VERONICA": "RONNIE RONI",
        "VICTORIA": "VICKY VICKI VICKIE VIC TORI",
        "VINCENT": "VINCE VINNY VIN",
        "VIRGINIA": "GINNY GINA",
        "WALTER": "WALT WALLY",
        "WILFRED": "WILF FRED",
        "WILLIAM": "BILL BILLY WILL WILLY WILLIE LIAM",
        "WINIFRED": "WINNIE WIN FREDA",
        "ZACHARY": "ZAC ZACK ZAK",
    }.items()
}
"""Upper-case formal given name -> its common English diminutives."""


def _canonical_index() -> dict[str, frozenset[str]]:
    formals: dict[str, set[str]] = {formal: {formal} for formal in NICKNAMES}
    for formal, diminutives in NICKNAMES.items():
        for short in diminutives:
            formals.setdefault(short, {short}).add(formal)
    return {name: frozenset(names) for name, names in formals.items()}


_CANONICAL = _canonical_index()


def canonical_given_names(name: str) -> frozenset[str]:
    """The formal names a given name may stand for, itself included (as a name key).

    ``'Bill'`` -> ``{'WILLIAM', 'BILL'}``; ``'Kate'`` -> ``{'KATE', 'KATHERINE', 'CATHERINE',
    'KATHLEEN'}``; an unknown name -> just its own key; no letters -> the empty set.
    """
    key = name_key(name)
    if not key:
        return frozenset()
    found = _CANONICAL.get(key)
    return found if found is not None else frozenset((key,))
