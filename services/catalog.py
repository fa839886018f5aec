"""Every process the platform runs: name -> where its code is, and every domain event it
publishes. The launchers, the Procfile, the CLI and the AsyncAPI document read this; a
new service adds its lines here."""
from typing import NamedTuple

# nameko worker processes: the service class.
WORKERS = {
    "tasks": "services.tasks.service:TasksService",
    "kpi": "services.kpi.service:KpiService",
    "assistant": "services.assistant.service:AssistantService",
    "trace": "services.trace.service:TraceService",
    "iocevents": "services.iocevents.service:IocService",
}

# gRPC processes for province integrations: a function(server, settings) that adds the
# servicer and returns its full service name.
GRPC_SERVERS = {
    "tasks": "services.tasks.grpc_api:add_to_server",
    "assistant": "services.assistant.grpc_api:add_to_server",
    "trace": "services.trace.grpc_api:add_to_server",
    "kpi": "services.kpi.grpc_api:add_to_server",
    "iocevents": "services.iocevents.grpc_api:add_to_server",
}

# Batch pipelines (commune-pipeline NAME): kombu consumers outside nameko, for paths too
# busy for one message per handler call; a function() that runs until SIGTERM.
PIPELINES = {
    "iocevents": "services.iocevents.pipeline:main",
}
# The queues each pipeline consumes: a function(namespace) -> [kombu.Queue], declared by
# `commune topology` with the nameko services' event queues.
PIPELINE_QUEUES = {
    "iocevents": "services.iocevents.broker:queues",
}

# Demo data loaded by `commune seed`, in this order: a function(settings) that loads its
# service's demo data idempotently and returns one line saying what it did.
DEMO_SEEDS = {
    "directory": "services.directory.store:seed",
    "tasks": "services.tasks.demo:seed",
    "assistant": "services.assistant.store:seed",
    "trace": "services.trace.demo:seed",
    "kpi": "services.kpi.demo:seed",
    "iocevents": "services.iocevents.demo:seed",
    "console": "services.console.accounts:seed",
}


class Event(NamedTuple):
    source: str   # the service whose exchange carries it
    message: str  # the proto message in `data` (the envelope's dataschema)
    summary: str


# Domain events: type (the routing key) -> what carries it. Envelope.wrap refuses a type
# that is not here or a payload of another message, so this table (and the AsyncAPI
# document made from it) cannot drift from what the services publish.
EVENTS = {
    "task.created": Event("tasks", "commune.v1.TaskCreated", "A task was created."),
    "task.assigned": Event("tasks", "commune.v1.TaskAssigned",
                           "Lead unit, owner and deadline set: the task is now someone's."),
    "task.progress_reported": Event("tasks", "commune.v1.TaskProgressReported",
                                    "Progress was reported on a task."),
    "task.status_changed": Event("tasks", "commune.v1.TaskStatusChanged",
                                 "Any lifecycle move (done, paused, stopped, replaced too)."),
    "task.updated": Event("tasks", "commune.v1.TaskUpdated",
                          "The task's plan changed, e.g. by an edited plan imported again."),
    "task.completed": Event("tasks", "commune.v1.TaskCompleted", "A task was finished."),
    "task.overdue": Event("tasks", "commune.v1.TaskOverdue",
                          "Once per task, when its deadline has passed unfinished."),
    "task.review_decided": Event("tasks", "commune.v1.TaskReviewDecided",
                                 "The quarterly review's decision on one task."),
    "kpi.measurement_approved": Event("kpi", "commune.v1.KpiMeasurementApproved",
                                      "A revision of one indicator's figure was approved."),
    "kpi.target_missed": Event("kpi", "commune.v1.KpiTargetMissed",
                               "An approval or a new target left a commune's line missing "
                               "its target."),
    "kpi.target_recovered": Event("kpi", "commune.v1.KpiTargetRecovered",
                                  "A commune's missed line is back: met, at risk or without "
                                  "a figure."),
    "ioc.alert_raised": Event("iocevents", "commune.v1.AlertRaised", "A new alert."),
    "ioc.alert_updated": Event("iocevents", "commune.v1.AlertUpdated",
                               "An alert folded repeats or was acknowledged."),
    "ioc.alert_escalated": Event("iocevents", "commune.v1.AlertEscalated",
                                 "An alert stayed unacknowledged past its severity's limit."),
    "ioc.alert_resolved": Event("iocevents", "commune.v1.AlertResolved",
                                "An alert was resolved, by an operator (maybe as a false "
                                "positive) or the system."),
    "trace.batch_created": Event("trace", "commune.v1.TraceBatchCreated",
                                 "A product batch was registered."),
    "trace.event_recorded": Event("trace", "commune.v1.TraceEventRecorded",
                                  "One EPCIS event was appended to one batch's chain."),
    "trace.batch_verified": Event("trace", "commune.v1.TraceBatchVerified",
                                  "A batch's chain was verified."),
    "trace.scanned": Event("trace", "commune.v1.TraceScanned",
                           "The scans of a commune's QR codes, counted over a few seconds."),
    "assistant.question_answered": Event("assistant", "commune.v1.QuestionAnswered",
                                         "One per question, declined or not; no personal "
                                         "data."),
    "assistant.feedback_given": Event("assistant", "commune.v1.FeedbackGiven",
                                      "Helpful or not, once per answer."),
    "assistant.handoff_requested": Event("assistant", "commune.v1.HandoffRequested",
                                         "A citizen asked for an officer."),
    "assistant.handoff_unclaimed": Event("assistant", "commune.v1.HandoffUnclaimed",
                                         "Once per ticket: no officer claimed it in time."),
    "assistant.handoff_claimed": Event("assistant", "commune.v1.HandoffClaimed",
                                       "An officer took a handoff ticket."),
}


def load(path: str):
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)
