"""`commune kpi rebuild-task-facts`: kpi's task facts rebuilt from the tasks store for
tasks stored while kpi had no queue (issue 14: after `make run` kpi counted 6 created
tasks of 141 and had no 2025 completion figure while the task summary said 92/92)."""
import datetime as dt
import subprocess

import kombu
import pytest

from services.common.mongo import database_name, make_client
from services.common.periods import Period
from services.kpi.reading import Reports, tree_from
from services.kpi.store import KpiStore
from services.tasks import domain
from services.tasks.listing import Criteria
from services.tasks.store import TaskStore
from services.topology import derive
from tests.helpers import BIN, env_for, periods_of, task_indicator_mismatches

pytestmark = pytest.mark.integration
SEEDED_TASKS = 136


def commune(settings, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "commune"), *args], env=env_for(settings),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def seeded_events_lost(other_namespace):
    """Demo data whose task events kpi never got, as on every `make run` before the
    topology step: seeded in a namespace of its own, then its queues purged."""
    settings = other_namespace()
    seed = commune(settings, "seed")
    assert seed.returncode == 0, seed.stderr
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        # The seed declared the topology itself: its events wait for kpi...
        created = f"{settings.namespace}.kpi.on_task_created"
        assert channel.queue_declare(created, passive=True).message_count == SEEDED_TASKS
        for queue in derive(settings.namespace).consumer_queues:
            channel.queue_purge(queue.name)  # ...unless lost, as they were before it
    client = make_client(settings)
    yield (settings, TaskStore(client[database_name(settings, "tasks")]),
           KpiStore(client[database_name(settings, "kpi")]), client)
    client.close()


def test_rebuild_gives_kpi_the_task_summary_of_every_demo_period(seeded_events_lost):
    settings, tasks, kpi, client = seeded_events_lost
    assert kpi.tasks_created("binh-lu") == 0

    first = commune(settings, "kpi", "rebuild-task-facts")
    again = commune(settings, "kpi", "rebuild-task-facts", "--tenant", "binh-lu")
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert (f"binh-lu: {SEEDED_TASKS} tasks, {SEEDED_TASKS} created-task facts and "
            f"{SEEDED_TASKS} task states were missing") in first.stdout
    assert "binh-lu: 136 tasks, 0 created-task facts and 0 task states" in again.stdout
    assert kpi.tasks_created("binh-lu") == SEEDED_TASKS

    reports = Reports(kpi, tree_from(client[database_name(settings, "directory")]))
    today = dt.datetime.now(dt.UTC).date()

    def kpi_counts(period):
        return {r["indicator"]: (r["numerator"] or 0, r["denominator"] or 0)
                for r in reports.commune("binh-lu", period)}

    def summary(period):
        return domain.summaries(tasks.select(Criteria("binh-lu", period=period)),
                                today)["total"]
    periods = periods_of(t["deadline"] for t in tasks.select(Criteria("binh-lu")))
    assert Period("year", 2025) in periods and Period("year", 2026) in periods
    assert task_indicator_mismatches(kpi_counts, summary, periods,
                                     Period.month_of(today)) == []
    assert kpi_counts(Period("year", 2025))["task-completion-rate"] == (92, 92)


def test_a_commune_without_tasks_is_refused_with_the_list(seeded_events_lost):
    settings = seeded_events_lost[0]
    answer = commune(settings, "kpi", "rebuild-task-facts", "--tenant", "nowhere")
    assert answer.returncode == 2
    assert "no tasks are stored for commune 'nowhere' (communes with tasks: binh-lu)" \
        in answer.stderr
