"""JSON from outside (an HTTP body, a message), nested at most MAX_DEPTH deep: a body of
ten thousand '[' made json.loads raise RecursionError, which no door expected."""
import itertools
import json
import re

MAX_DEPTH = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets in strings aside)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(itertools.accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def loads(data: bytes | str):
    """json.loads, or ValueError (as json.loads raises) for a text nested too deep;
    UnicodeDecodeError for bytes that are not UTF-8."""
    text = data.decode() if isinstance(data, bytes | bytearray) else data
    if depth(text) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return json.loads(text)
