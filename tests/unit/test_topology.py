"""The topology derived from the catalog: one queue per event handler, named and bound
as the handler's own declaration names and binds it, each with a dead-letter queue."""
from commune.v1 import events_pb2
from services.common.nameko_ext.consumer import EventHandler, handle_event
from services.common.topology import QUEUE_ARGUMENTS, consumer_queue
from services.topology import Subscription, derive, subscriptions


class Listener:
    """A service as the catalog names one: two handlers and a method that is not one."""

    name = "listener"

    @handle_event("tasks", "task.created", events_pb2.TaskCreated)
    def on_created(self, event, envelope):
        pass

    @handle_event("kpi", "kpi.target_missed", events_pb2.TaskOverdue)
    def on_missed(self, event, envelope):
        pass

    def helper(self):
        pass


def test_every_handler_of_a_listed_service_is_a_subscription():
    assert subscriptions({"listener": f"{__name__}:Listener"}) == [
        Subscription("listener.on_created", "tasks", "task.created"),
        Subscription("listener.on_missed", "kpi", "kpi.target_missed")]


def test_the_platform_subscribes_kpi_and_the_ioc_to_what_they_derive_alerts_from():
    found = {(s.consumer, s.source, s.event_type) for s in subscriptions()}
    assert ("kpi.on_task_created", "tasks", "task.created") in found
    assert ("kpi.on_task_review_decided", "tasks", "task.review_decided") in found
    assert ("iocevents.on_task_overdue", "tasks", "task.overdue") in found
    assert ("iocevents.on_kpi_target_missed", "kpi", "kpi.target_missed") in found
    assert ("kpi.on_feedback_given", "assistant", "assistant.feedback_given") in found
    assert ("iocevents.on_handoff_unclaimed", "assistant",
            "assistant.handoff_unclaimed") in found
    assert ("iocevents.on_handoff_claimed", "assistant", "assistant.handoff_claimed") in found
    assert len(found) == 11


def test_each_queue_is_the_one_its_handler_declares():
    from services.kpi.service import KpiService

    [handler] = [e for e in KpiService.on_task_created.nameko_entrypoints
                 if isinstance(e, EventHandler)]
    expected = consumer_queue("ns", "kpi.on_task_created", handler.source, handler.event_type)
    [queue] = [q for q in derive("ns").consumer_queues if q.name == expected.name]
    assert (queue.exchange.name, queue.routing_key, queue.queue_arguments) == (
        "ns.tasks.events", "task.created", QUEUE_ARGUMENTS)


def test_every_queue_has_its_dead_letter_queue_and_every_exchange_is_declared():
    topology = derive("ns")
    names = [q.name for q in topology.queues]
    assert len(names) == len(set(names)) == 2 * (11 + 2 + 5)
    for queue in topology.consumer_queues + topology.pipeline_queues + topology.rpc_queues:
        assert f"{queue.name}.dead-letter" in names
        assert queue.durable and queue.exchange.name in {e.name for e in topology.exchanges}
    for queue in topology.consumer_queues + topology.pipeline_queues:
        assert queue.queue_arguments == QUEUE_ARGUMENTS
    assert {"ns.iocevents.detections", "ns.iocevents.commands"} <= set(names)
    assert "ns.dead-letter" in {e.name for e in topology.exchanges}


def test_the_rpc_queues_are_those_nameko_consumes_from():
    """One per service with RPC entrypoints, on the RPC exchange nameko is given, as
    nameko declares it (classic: no arguments), so that declaring it first agrees."""
    from services.common.settings import Settings

    topology = derive("ns")
    assert [q.name for q in topology.rpc_queues] == [
        "ns.rpc-assistant", "ns.rpc-iocevents", "ns.rpc-kpi", "ns.rpc-tasks", "ns.rpc-trace"]
    exchange = Settings(namespace="ns").nameko_config()["rpc_exchange"]
    for queue in topology.rpc_queues:
        assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == (
            exchange, "topic", f"{queue.name.removeprefix('ns.rpc-')}.*")
        assert not queue.queue_arguments and not queue.auto_delete
