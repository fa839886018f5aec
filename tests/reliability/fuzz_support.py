"""What the fuzzing tests share: how many examples a property runs (COMMUNE_FUZZ_EXAMPLES:
a short pass in `make test`, hundreds in `make reliability`), arbitrary JSON, and valid
documents with one part replaced by something arbitrary (where parsers break)."""
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("COMMUNE_FUZZ_EXAMPLES", "25"))

fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
# An operation called over the network: each example is a round trip to a process.
fuzz_calls = settings(fuzz, max_examples=max(3, EXAMPLES // 8))

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=40))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]


@st.composite
def mutated(draw, valid, values=json_values):
    """`valid` (a JSON document) with one value replaced, one key dropped or one added."""
    path = draw(st.sampled_from(list(_paths(valid))))
    how = draw(st.sampled_from(("replace", "drop", "add")))
    if how == "drop" and path:
        parent = _at(valid, path[:-1])
        if isinstance(parent, dict):
            return _replaced(valid, path[:-1], {k: v for k, v in parent.items()
                                                if k != path[-1]})
    target = _at(valid, path)
    if how == "add" and isinstance(target, dict):
        return _replaced(valid, path, {**target, draw(st.text(max_size=12)): draw(values)})
    return _replaced(valid, path, draw(values))


def _at(value, path):
    for key in path:
        value = value[key]
    return value
