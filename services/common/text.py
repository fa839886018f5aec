"""Vietnamese text helpers; pure."""
import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: how people type Vietnamese without marks
    ("Quý III" and "quy iii" fold alike)."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()
