"""JSON Schema (draft-07, what AsyncAPI 3.0 schemas are) of the proto3 JSON form of the
generated messages, walked from their descriptors: lowerCamelCase names, enums as their
value names, 64-bit integers as strings, Timestamps as RFC 3339 strings. Fields at their
default value are left out of proto3 JSON, so none is required; unknown fields are
allowed, because v1 messages may grow new ones."""
import importlib
import pkgutil

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

import commune.v1

F = FieldDescriptor
INT32 = {"type": "integer", "minimum": -2**31, "maximum": 2**31 - 1}
UINT32 = {"type": "integer", "minimum": 0, "maximum": 2**32 - 1}
SCALARS = {
    F.TYPE_STRING: {"type": "string"},
    F.TYPE_BOOL: {"type": "boolean"},
    F.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    F.TYPE_INT32: INT32, F.TYPE_SINT32: INT32, F.TYPE_SFIXED32: INT32,
    F.TYPE_UINT32: UINT32, F.TYPE_FIXED32: UINT32,
    F.TYPE_INT64: {"type": "string", "pattern": "^-?[0-9]+$"},
    F.TYPE_SINT64: {"type": "string", "pattern": "^-?[0-9]+$"},
    F.TYPE_SFIXED64: {"type": "string", "pattern": "^-?[0-9]+$"},
    F.TYPE_UINT64: {"type": "string", "pattern": "^[0-9]+$"},
    F.TYPE_FIXED64: {"type": "string", "pattern": "^[0-9]+$"},
    # proto3 JSON writes the non-finite values as strings.
    F.TYPE_DOUBLE: {"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]},
    F.TYPE_FLOAT: {"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]},
}
WELL_KNOWN = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
}


def message_descriptor(full_name: str) -> Descriptor:
    """The descriptor of a commune.v1 message (every generated module loaded first)."""
    for module in pkgutil.iter_modules(commune.v1.__path__):
        if module.name.endswith("_pb2"):
            importlib.import_module(f"commune.v1.{module.name}")
    return descriptor_pool.Default().FindMessageTypeByName(full_name)


def schemas(roots: list[Descriptor], ref_prefix: str) -> dict[str, dict]:
    """Full name -> schema of the root messages and every message and enum they use;
    references between them are `ref_prefix` + full name."""
    found: dict[str, dict] = {}
    pending = list(roots)
    while pending:
        descriptor = pending.pop()
        if descriptor.full_name in found:
            continue
        properties = {}
        for field in descriptor.fields:
            properties[field.json_name] = _field(field, ref_prefix, pending, found)
        found[descriptor.full_name] = {"type": "object", "title": descriptor.full_name,
                                       "properties": properties}
    return dict(sorted(found.items()))


def _field(field: FieldDescriptor, ref_prefix: str, pending: list, found: dict) -> dict:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        value = field.message_type.fields_by_name["value"]
        # Map keys of every type are strings in proto3 JSON.
        return {"type": "object",
                "additionalProperties": _single(value, ref_prefix, pending, found)}
    single = _single(field, ref_prefix, pending, found)
    return {"type": "array", "items": single} if field.is_repeated else single


def _single(field: FieldDescriptor, ref_prefix: str, pending: list, found: dict) -> dict:
    if field.type == F.TYPE_ENUM:
        enum = field.enum_type
        found.setdefault(enum.full_name, {"type": "string", "title": enum.full_name,
                                          "enum": [v.name for v in enum.values]})
        return {"$ref": ref_prefix + enum.full_name}
    if field.type == F.TYPE_MESSAGE:
        name = field.message_type.full_name
        if name.startswith("google.protobuf."):
            if name not in WELL_KNOWN:
                raise ValueError(f"{field.full_name}: no JSON Schema for {name} yet")
            return dict(WELL_KNOWN[name])
        pending.append(field.message_type)
        return {"$ref": ref_prefix + name}
    return dict(SCALARS[field.type])
