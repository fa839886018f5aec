"""Servers of the reliability suite's own, so that faults never touch the broker and
database everyone else shares: a RabbitMQ node and a FerretDB on ports and data
directories of their own (the binaries scripts/ensure-*.sh installed), and toxiproxy
between the platform's processes and them."""
import json
import os
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

from tests.helpers import ROOT, free_port, wait_for

TOOLS = Path(os.environ.get("COMMUNE_TOOLS_CACHE",
                            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                            / "commune-tools"))
FERRETDB = TOOLS / "ferretdb-v1.24.2" / "ferretdb"
TOXIPROXY = ROOT / "var" / "tools" / "bin" / "toxiproxy-server"
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
# A node takes 10-60 s to start on a loaded machine.
START_S = 180.0


def _listening(port: int) -> bool:
    import socket
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PrivateRabbit:
    """A RabbitMQ node of its own (no plugins), stopped and started as a whole."""

    def __init__(self, base: Path):
        self.base = base
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"rel{uuid.uuid4().hex[:8]}@localhost"
        base.mkdir(parents=True, exist_ok=True)
        (base / "plugins").write_text("[].\n")
        self.env = {**os.environ, "RABBITMQ_NODENAME": self.node,
                    "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(base / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "plugins"),
                    "RABBITMQ_CONFIG_FILE": str(base / "none"),
                    "RABBITMQ_PID_FILE": str(base / "pid")}
        self.popen: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self) -> "PrivateRabbit":
        log = open(self.base / "server.log", "ab")
        self.popen = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env,
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        wait_for(lambda: _listening(self.port), START_S, 0.5, f"RabbitMQ {self.node}")
        return self

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node, "shutdown"],
                       env=self.env, capture_output=True, timeout=120)
        try:
            self.popen.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, 9)
            self.popen.wait()

    def queue_depths(self) -> dict[str, int]:
        out = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node, "-q",
                              "list_queues", "name", "messages"], env=self.env,
                             capture_output=True, text=True, timeout=60).stdout
        return {name: int(n) for name, n in (line.split("\t") for line in out.splitlines()
                                             if line.count("\t") == 1)}


class PrivateFerret:
    """A FerretDB of its own on SQLite, in a data directory of its own."""

    def __init__(self, base: Path):
        self.base = base
        self.port, self.debug_port = free_port(), free_port()
        base.mkdir(parents=True, exist_ok=True)
        self.popen: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?retryWrites=false"

    def start(self) -> "PrivateFerret":
        log = open(self.base / "server.log", "ab")
        self.popen = subprocess.Popen(
            [str(FERRETDB), "--handler=sqlite", f"--sqlite-url=file:{self.base}/",
             f"--state-dir={self.base}", f"--listen-addr=127.0.0.1:{self.port}",
             f"--debug-addr=127.0.0.1:{self.debug_port}", "--telemetry=disable",
             "--log-level=warn"], stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: _listening(self.port), START_S, 0.2, "FerretDB")
        return self

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(30)


class Toxiproxy:
    """toxiproxy's server and its HTTP API: a proxy per server, cut (disabled: every
    connection closed, new ones refused), held (data stops flowing, connections stay
    open: a network that went silent), slowed or reset mid-stream."""

    def __init__(self, base: Path):
        self.api_port = free_port()
        base.mkdir(parents=True, exist_ok=True)
        log = open(base / "toxiproxy.log", "ab")
        self.popen = subprocess.Popen([str(TOXIPROXY), "-host", "127.0.0.1",
                                       "-port", str(self.api_port)],
                                      stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: _listening(self.api_port), 60, 0.1, "toxiproxy")

    def _call(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            content = response.read()
        return json.loads(content) if content else None

    def proxy(self, name: str, upstream_port: int) -> int:
        """A proxy to a local port; returns the port it listens on."""
        port = free_port()
        self._call("POST", "/proxies", {"name": name, "listen": f"127.0.0.1:{port}",
                                        "upstream": f"127.0.0.1:{upstream_port}",
                                        "enabled": True})
        return port

    def cut(self, name: str) -> None:
        self._call("POST", f"/proxies/{name}", {"enabled": False})

    def restore(self, name: str) -> None:
        self._call("POST", f"/proxies/{name}", {"enabled": True})
        for toxic in self._call("GET", f"/proxies/{name}/toxics"):
            self._call("DELETE", f"/proxies/{name}/toxics/{toxic['name']}")

    def toxic(self, name: str, kind: str, stream: str = "downstream", **attributes) -> None:
        """kind: latency (latency=ms), timeout (timeout=0: hold), reset_peer (timeout=ms)."""
        self._call("POST", f"/proxies/{name}/toxics",
                   {"name": f"{kind}-{stream}", "type": kind, "stream": stream,
                    "attributes": attributes})

    def close(self) -> None:
        self.popen.terminate()
        self.popen.wait(10)


def remove(base: Path) -> None:
    shutil.rmtree(base, ignore_errors=True)
