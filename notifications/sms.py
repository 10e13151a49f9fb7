"""Text-message length: GSM-7 folding and segment counting.

A text with one character outside the GSM-7 alphabet travels as UCS-2, which cuts a segment
from 160 characters to 70. Spanish letters such as á, í, ó and ú are outside it, so texts are
folded to their closest GSM-7 letters first (é, ñ, ü, ¿ and ¡ are in it), as carriers'
"smart encoding" does. Our texts must fit in two segments.
"""

import math
import unicodedata

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")  # each costs two septets
_REPLACEMENTS = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ", "•": "-"}

MAX_SEGMENTS = 2


def fold_to_gsm(text: str) -> str:
    """Replace characters GSM-7 lacks with their closest GSM-7 spelling, where one exists."""
    folded = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENDED:
            folded.append(char)
        elif char in _REPLACEMENTS:
            folded.append(_REPLACEMENTS[char])
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            folded.append(base if base in GSM_BASIC else char)
    return "".join(folded)


def segments(text: str) -> int:
    """How many SMS segments the text takes."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        septets = len(text) + sum(char in GSM_EXTENDED for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
