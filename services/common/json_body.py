"""JSON from outside (an HTTP body, a message), nested at most MAX_DEPTH deep: a body of
ten thousand '[' made json.loads raise RecursionError, which no door expected, and what
is deeper than any document of ours would only cost the validators' time."""
import json

MAX_DEPTH = 64


def depth(value) -> int:
    """How deep the arrays and objects of a decoded JSON value nest (without recursion)."""
    if not isinstance(value, dict | list):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def loads(data: bytes | str):
    """json.loads, or ValueError saying in our words what is wrong (callers pass its text
    on to whoever sent the JSON, so never the json module's own)."""
    try:
        value = json.loads(data)
    except RecursionError:
        value = None
    except json.JSONDecodeError as exc:
        raise ValueError(f"a syntax error at line {exc.lineno}, column {exc.colno}") from None
    except UnicodeDecodeError:
        raise ValueError("bytes that are not UTF-8") from None
    else:
        if depth(value) <= MAX_DEPTH:
            return value
    raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
