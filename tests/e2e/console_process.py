"""The web console as a process of its own, on a port of its own, reaching given
workers: for the tests that drive it the way a browser does."""
import json
import subprocess

import httpx

from tests.helpers import BIN, LOGS, Process, env_for, free_port, wait_for


class Console:
    """The console process, on a port of its own, reaching these workers."""

    def __init__(self, settings, workers: dict[str, Process], ioc_grpc: Process):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        urls = {name: f"http://127.0.0.1:{p.http_port}" for name, p in workers.items()}
        self.log = open(LOGS / f"{settings.namespace}-console.log", "ab")
        self.popen = subprocess.Popen(
            [str(BIN / "commune-console")], stdout=self.log, stderr=subprocess.STDOUT,
            env=env_for(settings, COMMUNE_CONSOLE_PORT=self.port,
                        COMMUNE_API_URLS=json.dumps(urls),
                        COMMUNE_CONSOLE_IOC_GRPC=f"127.0.0.1:{ioc_grpc.grpc_port}"))

        def up():
            assert self.popen.poll() is None, "commune-console exited"
            try:
                return httpx.get(self.url + "/health/live", timeout=5).status_code == 200
            except httpx.TransportError:
                return False
        wait_for(up, what="the console to answer")

    def stop(self):
        self.popen.terminate()
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
        self.log.close()
