"""What the event consumer does with each outcome of a handler (mocks stand in for the
broker connection: this is the decision logic only; tests/integration runs it for real)."""
from unittest import mock

import kombu
import pytest
from pymongo.errors import AutoReconnect

from commune.v1 import events_pb2
from services.common.envelope import Envelope
from services.common.errors import InvalidArgument
from services.common.nameko_ext import consumer
from services.common.nameko_ext.consumer import ATTEMPTS_HEADER, EventHandler

QUEUE = "commune.kpi.on_task_created"


@pytest.fixture
def handler(monkeypatch):
    monkeypatch.setattr(consumer, "OUTAGE_PAUSE_S", 0)
    handler = EventHandler("tasks", "task.created", events_pb2.TaskCreated)
    handler.consumer = "kpi.on_task_created"
    handler.queue = kombu.Queue(QUEUE)
    handler.max_attempts = 3
    handler.publisher = mock.Mock()
    handler.guard = mock.Mock()
    handler.outcomes = mock.Mock()
    handler.queue_consumer = mock.Mock()
    return handler


def message(attempts=None):
    headers = {} if attempts is None else {ATTEMPTS_HEADER: attempts}
    return mock.Mock(body=b"{}", headers=headers)


ENVELOPE = Envelope.wrap("task.created", "tasks", "binh-lu", events_pb2.TaskCreated())


def failed(handler, msg, error):
    handler.handle_result(msg, ENVELOPE, None, exc_info=(type(error), error, None))


def test_success_marks_the_event_done_then_acks(handler):
    msg = message()
    handler.handle_result(msg, ENVELOPE, None, result=None, exc_info=None)
    handler.guard.done.assert_called_once_with("kpi.on_task_created", ENVELOPE.id)
    handler.guard.release.assert_not_called()
    handler.queue_consumer.ack_message.assert_called_once_with(msg)


def test_a_failure_releases_the_claim_so_a_retry_can_take_it(handler):
    failed(handler, message(), RuntimeError("boom"))
    handler.guard.release.assert_called_once_with("kpi.on_task_created", ENVELOPE.id)
    handler.guard.done.assert_not_called()


def test_a_failure_is_retried_with_its_attempt_count(handler):
    msg = message()
    failed(handler, msg, RuntimeError("boom"))
    handler.publisher.send_to_queue.assert_called_once_with(QUEUE, b"{}", {ATTEMPTS_HEADER: 2})
    handler.publisher.dead_letter.assert_not_called()
    handler.queue_consumer.ack_message.assert_called_once_with(msg)


def test_the_last_attempt_goes_to_the_dead_letter_queue_with_the_error(handler):
    msg = message(attempts=3)
    failed(handler, msg, RuntimeError("boom"))
    handler.publisher.send_to_queue.assert_not_called()
    (queue, body, headers, reason), _ = handler.publisher.dead_letter.call_args
    assert (queue, body) == (QUEUE, b"{}")
    assert reason == "failed 3 times: RuntimeError: boom"
    handler.queue_consumer.ack_message.assert_called_once_with(msg)


def test_a_rejected_event_is_dead_lettered_at_once(handler):
    failed(handler, message(), InvalidArgument("task tenant differs"))
    reason = handler.publisher.dead_letter.call_args.args[3]
    assert reason == "rejected: task tenant differs"
    handler.publisher.send_to_queue.assert_not_called()


def test_an_outage_requeues_and_never_dead_letters(handler):
    msg = message(attempts=3)
    failed(handler, msg, AutoReconnect("database gone"))
    handler.queue_consumer.requeue_message.assert_called_once_with(msg)
    handler.queue_consumer.ack_message.assert_not_called()
    handler.publisher.dead_letter.assert_not_called()


def test_an_outage_while_marking_requeues(handler):
    handler.guard.done.side_effect = AutoReconnect("database gone")
    msg = message()
    handler.handle_result(msg, ENVELOPE, None, exc_info=None)
    handler.queue_consumer.requeue_message.assert_called_once_with(msg)
    handler.queue_consumer.ack_message.assert_not_called()
