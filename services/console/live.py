"""Live alerts: the iocevents gRPC WatchAlerts stream, opened with the user's bearer
token (the service checks it, as for any outside client), as server-sent events. A burst
is sent as one message, so the page redraws a few times a second at most."""
import asyncio
import html
from collections.abc import AsyncIterator

import grpc

from commune.v1 import ioc_pb2, ioc_pb2_grpc

from . import i18n

HEARTBEAT_S = 15.0
GATHER_S = 0.3
RETRY_S = 3.0


async def _watch(target: str, token: str, tenant: str, queue: asyncio.Queue) -> None:
    """Feeds the queue with the commune's alert events; reconnects after an outage."""
    metadata = (("authorization", f"Bearer {token}"),)
    while True:
        try:
            async with grpc.aio.insecure_channel(target) as channel:
                stub = ioc_pb2_grpc.IocServiceStub(channel)
                request = ioc_pb2.WatchAlertsRequest(tenant=tenant)
                async for event in stub.WatchAlerts(request, metadata=metadata):
                    await queue.put(event)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.PERMISSION_DENIED,
                              grpc.StatusCode.UNAUTHENTICATED):
                await queue.put(None)
                return
        await asyncio.sleep(RETRY_S)


def _line(lang: str, event) -> str:
    alert = event.alert
    severity = ioc_pb2.AlertSeverity.Name(alert.severity)
    return (f'<li><span class="badge sev-{severity.rsplit("_", 1)[-1].lower()}">'
            f'{html.escape(i18n.word(lang, severity))}</span> '
            f'{html.escape(event.event_type)} · {html.escape(alert.title)} '
            f'({alert.count})</li>')


async def alert_stream(target: str, token: str, tenant: str, lang: str) -> AsyncIterator[str]:
    queue: asyncio.Queue = asyncio.Queue()
    watcher = asyncio.create_task(_watch(target, token, tenant, queue))
    try:
        yield ": connected\n\n"
        while True:
            try:
                first = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if first is None:
                return
            burst = [first]
            await asyncio.sleep(GATHER_S)
            while not queue.empty():
                burst.append(queue.get_nowait())
            lines = "".join(_line(lang, e) for e in reversed(burst) if e is not None)
            yield f"event: alert\ndata: {lines}\n\n"
    finally:
        watcher.cancel()
