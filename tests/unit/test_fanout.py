"""The Watch fan-out hands a subscriber only its own tenant's events: one whose header,
envelope and data do not name the same tenant is skipped (a broker message played by a
stub; no connection is opened)."""
import json
from dataclasses import dataclass, field

from commune.v1 import ioc_pb2
from services.common.envelope import Envelope
from services.common.fanout import EventFanout


@dataclass
class Message:
    body: bytes
    headers: dict = field(default_factory=dict)
    acked: bool = False

    def ack(self):
        self.acked = True


def raised(tenant: str) -> Envelope:
    alert = ioc_pb2.Alert(id=f"{tenant}:a1", tenant=tenant, title="Xe bị theo dõi")
    return Envelope.wrap("ioc.alert_raised", "iocevents", tenant,
                         ioc_pb2.AlertRaised(alert=alert))


def test_a_watcher_gets_neither_another_communes_alert_nor_one_that_names_two():
    fanout = EventFanout("memory://", "t", "iocevents", "ioc.#")
    watcher = fanout.subscribe("binh-lu")
    forged = json.loads(raised("lung-phinh").to_json()) | {"tenant": "binh-lu"}
    messages = [Message(json.dumps(forged).encode(), {"tenant": "binh-lu"}),
                Message(raised("binh-lu").to_json(), {"tenant": "lung-phinh"}),
                Message(raised("lung-phinh").to_json(), {"tenant": "lung-phinh"}),
                Message(raised("binh-lu").to_json(), {"tenant": "binh-lu"})]
    for message in messages:
        fanout._deliver(None, message)
    assert all(m.acked for m in messages)
    delivered = watcher.next(timeout=1)
    assert delivered.data["alert"]["tenant"] == "binh-lu" and delivered.tenant == "binh-lu"
    assert watcher.next(timeout=0.1) is None
