"""KPI rules; pure (no I/O)."""
from commune.v1 import events_pb2
from services.common.envelope import Envelope, InvalidEvent

READERS = ("admin", "officer", "operator", "province")


def created_task_fact(event: events_pb2.TaskCreated, envelope: Envelope) -> dict:
    """What the KPI service keeps of a created task. The envelope's tenant and the
    task's must agree: an event about one commune cannot count for another."""
    task = event.task
    if not task.id:
        raise InvalidEvent("task.created without a task id")
    if task.tenant != envelope.tenant:
        raise InvalidEvent(f"task tenant {task.tenant!r} differs from envelope "
                           f"tenant {envelope.tenant!r}")
    return {"tenant": task.tenant, "task_id": task.id, "code": task.code,
            "created_at": envelope.time, "event_id": envelope.id}
