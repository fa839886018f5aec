"""Every process the platform runs: name -> where its code is. The launchers, the
Procfile and the CLI read this; a new service adds its lines here."""

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
}


def load(path: str):
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)
