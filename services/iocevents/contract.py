"""Alerts as the outside sees them: commune.v1.Alert (for gRPC, events and, in proto3
JSON, the HTTP API), made from an alert document (alerts.Alert.document())."""
import datetime as dt

from google.protobuf import json_format

from commune.v1 import ioc_pb2
from services.common.envelope import Envelope

from .alerts import ESCALATED, RAISED, RESOLVED_EVENT, UPDATED
from .broker import SOURCE

EVENT_MESSAGES = {RAISED: ioc_pb2.AlertRaised, UPDATED: ioc_pb2.AlertUpdated,
                  ESCALATED: ioc_pb2.AlertEscalated, RESOLVED_EVENT: ioc_pb2.AlertResolved}
TIMES = {"first_seen": "first_seen_time", "last_seen": "last_seen_time",
         "opened_at": "open_time", "acknowledged_at": "acknowledge_time",
         "resolved_at": "resolve_time"}
COPIED = ("id", "tenant", "rule_id", "subject", "title", "count", "locations", "devices",
          "kinds", "escalation_level", "silenced_by", "acknowledged_by", "resolved_by",
          "false_positive", "version")


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def alert_message(document: dict) -> ioc_pb2.Alert:
    message = ioc_pb2.Alert(
        **{k: document[k] for k in COPIED if document.get(k) is not None},
        detection_ids=document.get("detections", []),
        severity=ioc_pb2.AlertSeverity.Value(f"ALERT_SEVERITY_{document['severity'].upper()}"),
        status=ioc_pb2.AlertStatus.Value(f"ALERT_STATUS_{document['status'].upper()}"))
    for field, proto_field in TIMES.items():
        if document.get(field):
            getattr(message, proto_field).FromDatetime(_utc(document[field]))
    for point in document.get("track", []):
        track = message.track.add(location=point["location"])
        track.time.FromDatetime(_utc(point["at"]))
    return message


def alert_event(event_type: str, document: dict) -> Envelope:
    message = EVENT_MESSAGES[event_type](alert=alert_message(document))
    return Envelope.wrap(event_type, SOURCE, document["tenant"], message,
                         subject=document["id"])


def alert_from_event(envelope: Envelope) -> ioc_pb2.Alert:
    return json_format.ParseDict(envelope.data, EVENT_MESSAGES[envelope.type](),
                                 ignore_unknown_fields=True).alert
