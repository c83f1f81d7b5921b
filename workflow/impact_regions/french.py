"""French number and date formatting, the one helper used by sentences, tables and chart ticks.

Built on Babel's `fr_FR` locale data, with the typographic rules of REPORT_SPEC made explicit:
decimal comma, narrow no-break spaces (U+202F) between thousands, a no-break space (U+00A0)
before % and units, and the real minus sign (U+2212). Every figure a report prints goes through
these functions, so that text and charts always agree.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"  # no-break space: before %, €, units
MINUS = "\u2212"
LOCALE = "fr_FR"
MISSING = "n.d."
#: the months, as a date is written in French (« 4 décembre 2026 »)
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x: float | None, decimals: int = 1, signed: bool = False) -> str:
    """`6,6`, `1 234 567`, `−0,3` (`+0,3` with signed=True); `n.d.` for a missing value."""
    if _is_missing(x):
        return MISSING
    x = round(float(x), decimals)
    if x == 0:
        x = 0.0  # no "−0,0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(abs(x), format=pattern, locale=LOCALE)
    text = text.replace("\u00a0", NNBSP).replace(" ", NNBSP)
    if x < 0:
        return MINUS + text
    return ("+" + text) if signed and x > 0 else text


def decimals_apart(values, least: int = 1, most: int = 3) -> int:
    """The fewest decimals (from `least` up to `most`) at which no two different values of
    `values` print the same: the overall indices of the 18 regions get ONE number of decimals,
    computed over all of them, that every report, the index page, its map and the annex use, so
    that two regions that rank differently never print « +1,4 » and « +1,4 ». Equal values (a
    real tie, said « ex æquo ») print the same at any precision."""
    distinct = sorted({float(v) for v in values if not _is_missing(v)})
    for d in range(least, most + 1):
        printed = [number(v, d, signed=True) for v in distinct]
        if len(set(printed)) == len(printed):
            return d
    return most


def percent(share: float | None, decimals: int = 0, signed: bool = False) -> str:
    """A share in [0, 1] as `84 %` (no-break space before %)."""
    if _is_missing(share):
        return MISSING
    return number(100 * float(share), decimals, signed) + NBSP + "%"


def points(diff_share: float | None, decimals: int = 0) -> str:
    """A difference of shares in percentage points: `+2 points`, `−3 points`."""
    if _is_missing(diff_share):
        return MISSING
    value = round(100 * float(diff_share), decimals)
    unit = "point" if abs(value) <= 1 else "points"
    return number(value, decimals, signed=True) + NBSP + unit


def score10(x: float | None, decimals: int = 1) -> str:
    """A score out of 10: `6,6/10`."""
    return MISSING if _is_missing(x) else number(x, decimals) + "/10"


def value_with_unit(x: float | None, unit: str, decimals: int = 1) -> str:
    """`17,2 %`, `20 800 €`, `5,2 minutes`, `3,7 ‰`."""
    if _is_missing(x):
        return MISSING
    if unit == "€":
        return number(x, 0) + NBSP + "€"
    return number(x, decimals) + NBSP + unit


def integer(x: float | int | None) -> str:
    """`1 234 567`."""
    return number(x, 0)


def day_of_month(day: int) -> str:
    """`1er`, `2`, `31`: the day of a date as French writes it (the ordinal for the first)."""
    return "1er" if day == 1 else str(day)


def typography(text: str) -> str:
    """French typography: apostrophe ’ (U+2019) for ', no-break space before « : » and inside « »,
    narrow one before ; ! ?."""
    text = text.replace("'", "\u2019")
    for plain, fixed in (
        (" :", NBSP + ":"),
        (" ;", NNBSP + ";"),
        (" !", NNBSP + "!"),
        (" ?", NNBSP + "?"),
        ("« ", "«" + NBSP),
        (" »", NBSP + "»"),
    ):
        text = text.replace(plain, fixed)
    return text


def of(phrase: str) -> str:
    """`du niveau de vie`, `de la culture`, `de l’emploi`, `des transports`: a noun phrase with its
    article after « de » (« s’inquiéter de… »), « de le » and « de les » contracted."""
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    return "de " + phrase


def join(items: list[str], last: str = "et") -> str:
    """`a`, `a et b`, `a, b et c`."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def tick_formatter(decimals: int = 0, suffix: str = ""):
    """A matplotlib tick formatter using the same rules (decimal comma, real minus)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: number(x, decimals) + suffix)
