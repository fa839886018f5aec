"""Text helpers; pure."""
import re
import unicodedata

# Characters XML 1.0 cannot hold, which the APIs accept in free text (a title, a note).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: how people type Vietnamese without marks
    ("Quý III" and "quy iii" fold alike)."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def xml_safe(text: str) -> str:
    """The text without the characters an .xlsx or .docx (both XML inside) refuses."""
    return _NOT_IN_XML.sub("", text)
