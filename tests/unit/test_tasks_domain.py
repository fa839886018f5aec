import datetime as dt

import pytest

from commune.v1 import tasks_pb2
from services.common.errors import InvalidArgument
from services.tasks import domain

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
VALID = {"tenant": "binh-lu", "code": "NQ57-2026-01", "title": "Số hóa hồ sơ thủ tục",
         "lead_unit": "van-phong", "start": "2026-01-01", "deadline": "2026-12-31",
         "period_text": "Trong năm 2026"}


def test_a_new_task_starts_as_draft_with_its_history():
    task = domain.new_task(VALID, "officer-1", NOW)
    assert task["status"] == "draft"
    assert task["deadline"] == "2026-12-31"
    assert task["history"] == [{"at": NOW, "by": "officer-1", "what": "created"}]


@pytest.mark.parametrize("change, field", [
    ({"code": "has space"}, "code"),
    ({"title": "ab"}, "title"),
    ({"tenant": "Bình Lư"}, "tenant"),
    ({"deadline": "2026-02-30"}, "deadline"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_fields_are_named(change, field):
    with pytest.raises(InvalidArgument) as error:
        domain.new_task({**VALID, **change}, "officer-1", NOW)
    assert field in error.value.fields


def test_deadline_before_start_is_refused():
    with pytest.raises(InvalidArgument, match="deadline is before start"):
        domain.new_task({**VALID, "start": "2026-06-01", "deadline": "2026-05-31"}, "o", NOW)


def test_a_task_must_be_an_object():
    with pytest.raises(InvalidArgument, match="JSON object"):
        domain.new_task(["binh-lu"], "o", NOW)


def test_message_and_view_carry_the_stored_task():
    task = domain.new_task(VALID, "officer-1", NOW)
    message = domain.task_message(task)
    assert message.status == tasks_pb2.TASK_STATUS_DRAFT
    assert message.create_time.ToDatetime(dt.UTC) == NOW
    view = domain.task_view(task)
    assert view["periodText"] == "Trong năm 2026"
    assert view["leadUnit"] == "van-phong"
