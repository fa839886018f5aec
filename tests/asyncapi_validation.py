"""Checking messages against the AsyncAPI document: the schema of a part of one of its
messages, with the document's own references resolved."""
import jsonschema
import referencing
from jsonschema.protocols import Validator
from referencing.jsonschema import DRAFT7

BASE = "urn:commune:asyncapi"


def validator(document: dict, message: str, part: str = "payload") -> Validator:
    """The validator of `part` (payload or headers) of components/messages/<message>."""
    registry = referencing.Registry().with_resource(BASE, DRAFT7.create_resource(document))
    schema = {"$ref": f"{BASE}#/components/messages/{message}/{part}"}
    return jsonschema.Draft7Validator(schema, registry=registry,
                                      format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors(validator: Validator, instance) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)]
