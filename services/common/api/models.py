"""Bases of every request and response model: fields are snake_case in Python and
lowerCamelCase on the wire, the names proto3 JSON gives the same fields."""
import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator
from pydantic.alias_generators import to_camel

from .. import clock, periods
from ..errors import InvalidArgument

TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              str_strip_whitespace=True)
    # The proto message the model was made from, if any: the gRPC door sends it as it is
    # instead of converting the model back (a page of 50 tasks: 8 ms less).
    _message: object = PrivateAttr(default=None)

    @classmethod
    def of_message(cls, message, json: dict):
        """The model of a proto message, given the message's proto3 JSON."""
        model = cls.model_validate(json)
        model._message = message
        return model

    @field_validator("*")
    @classmethod
    def _as_stored(cls, value):
        """Every time to the millisecond, the precision the database keeps: a time a
        client sent (or a door made) answers the same at once as when read back."""
        return clock.to_stored(value) if isinstance(value, dt.datetime) else value

    def wire(self) -> dict:
        """The model as the JSON a client reads."""
        return self.model_dump(mode="json", by_alias=True)


class Request(ApiModel):
    """What a caller sends: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class TenantRequest(Request):
    """A request about one commune's (or a province's) data."""

    tenant: str = Field(pattern=TENANT_PATTERN, description="commune (or province) code")


def wire_name(field_path: str) -> str:
    """A field path as clients spell it: lead_unit.0 -> leadUnit.0; a part already in
    camelCase (EPCIS's eventList[0]) is left as it is."""
    return ".".join(to_camel(part) if "_" in part else part for part in field_path.split("."))


def _period_text(value: object) -> object:
    """A period as its Vietnamese label ("Quý III/2026"): text is checked by parsing it, a
    commune.v1.Period in proto3 JSON (what a gRPC request carries) is converted."""
    if isinstance(value, dict):
        period = periods.from_proto_json(value)
        return period.label() if period else ""
    if isinstance(value, str) and value.strip():
        try:
            periods.parse(value)
        except InvalidArgument as exc:  # as a field's error, which names the field
            raise ValueError(str(exc)) from None
    return value


PeriodText = Annotated[str, BeforeValidator(_period_text), Field(
    description='a period: "Năm 2026", "Quý III/2026", "Tháng 6/2026"; empty for none',
    examples=["Năm 2025"])]
