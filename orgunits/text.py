"""Text helpers for Vietnamese plan documents: matching keys and table-cell cleaning.

Pure Python (no Django): used by the Excel importer, the seed loader and the exports.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["clean_cell", "fold", "strip_accents"]

# --- fold -------------------------------------------------------------------------------------

_NON_ALNUM_RE = re.compile(r"[\W_]+")


class _StripTable(dict):
    """str.translate table: each character without its diacritics (its decomposition less
    the combining marks; a lone combining mark goes), filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFD", chr(code))
        value = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        self[code] = value = unicodedata.normalize("NFC", value)
        return value


_STRIP = _StripTable({ord("đ"): "d", ord("Đ"): "D"})


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics (đ→d, Đ→D), keeping case and every other character."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text.translate(_STRIP))


def fold(text: str) -> str:
    """Return the matching key of a Vietnamese name.

    Lowercase, without diacritics ("uỷ", "ủy" and "uy" all give "uy"), every run of
    non-alphanumeric characters replaced by one space, stripped.
    """
    text = strip_accents(unicodedata.normalize("NFC", text).lower())
    return _NON_ALNUM_RE.sub(" ", text).strip()


# --- clean_cell -------------------------------------------------------------------------------

# Only markup that actually occurs in extracted cells is removed, so that a literal "<" in
# the text ("tỷ lệ < 5%") survives.
_TAG_NAMES = r"(?:b|i|u|s|em|strong|span|font|sup|sub|small|big|mark|a|br|p|div|ul|ol|li)"
_LI_OPEN_RE = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_BREAK_TAG_RE = re.compile(r"<(?:br|/?p|/?div|/?ul|/?ol|/li)\b[^>]*>", re.IGNORECASE)
_ANY_TAG_RE = re.compile(rf"</?{_TAG_NAMES}\b[^>]*>", re.IGNORECASE)

_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_HSPACE_RE = re.compile(r"[^\S\n]+")  # any whitespace except the newline

# A bullet marker followed by whitespace at the start of a line.
_BULLET_RE = re.compile(r"^[-–+•]\s+(\S)")
# A word character immediately followed by a trailing hyphen: "39-" / "Nghị quyết số 39-".
_GLUED_HYPHEN_RE = re.compile(r"\w-$")
# A line ending a sentence, possibly followed by closing quotes or brackets.
_SENTENCE_END_RE = re.compile(r"[.:;!?][\"'”’)\]]*$")


def _is_bullet(line: str) -> bool:
    """Tell whether a line starts a bullet item ("- Tăng cường…", not "- xã hội…")."""
    match = _BULLET_RE.match(line)
    return bool(match) and not match.group(1).islower()


def _starts_bullet_marker(line: str) -> bool:
    return bool(_BULLET_RE.match(line))


def _is_hard_break(prev: str, line: str) -> bool:
    """Tell whether the line break between two (non-empty, stripped) lines is kept."""
    if _is_bullet(line):
        return True
    if _SENTENCE_END_RE.search(prev):
        return line[0].isupper() or _starts_bullet_marker(line)
    return False


def _html_to_text(text: str) -> str:
    """Turn the little HTML found in cells into plain text with line breaks."""
    if "<" not in text and "&" not in text:
        return text

    def list_item(match: re.Match[str]) -> str:
        rest = match.string[match.end() :].lstrip()
        return "\n" if rest[:1] in ("-", "–", "+", "•") else "\n- "

    text = _LI_OPEN_RE.sub(list_item, text)
    text = _BREAK_TAG_RE.sub("\n", text)
    text = _ANY_TAG_RE.sub("", text)
    return html.unescape(text)


#: Characters XML 1.0 refuses (C0 controls but tab and newlines, lone surrogates, U+FFFE/FFFF):
#: one of them in a narrative made every .xlsx/.docx of its period fail.
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters an .xlsx or .docx (XML) cannot hold."""
    return _XML_ILLEGAL_RE.sub("", text)


def clean_cell(text: str | None) -> str:
    """Clean a raw table cell into the text stored in the database and printed in exports.

    Removes HTML markup (list items become "- " lines), joins the soft line breaks of a
    wrapped PDF cell, keeps hard breaks (before bullets and between sentences), collapses
    spaces. The result is NFC and ``clean_cell(clean_cell(x)) == clean_cell(x)``.
    """
    if text is None:
        return ""
    text = str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\v\f\u2028\u2029]", "\n", text)
    text = _html_to_text(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", xml_safe(text))
    text = _HSPACE_RE.sub(" ", text)

    lines = [line.strip() for line in text.split("\n")]
    result: list[str] = []
    for line in lines:
        if not line:
            continue
        if not result:
            result.append(line)
            continue
        prev = result[-1]
        if _is_hard_break(prev, line):
            result.append(line)
        elif _GLUED_HYPHEN_RE.search(prev):
            result[-1] = prev + line
        else:
            result[-1] = f"{prev} {line}"
    return "\n".join(result).strip()
