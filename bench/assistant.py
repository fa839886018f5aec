"""Answers per second and latency of the assistant over HTTP (the worker: retrieval,
templates, the trace stored and its event published), beside raw BM25 search alone
(bm25s over the same knowledge base, in this process) on the same questions in the
same run, so that the ratio does not depend on the machine.

    .venv/bin/python -m bench.assistant [--requests 300] [--clients 4]

The worker runs in a namespace of its own (database, exchange, queues), removed at the
end, whatever happens."""
import argparse
import contextlib
import json
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from bench.harness import bench_namespace, percentile, progress
from services.assistant.domain import default_assistant
from services.common.settings import Settings
from tests.helpers import Process, remove_namespace

P95_TARGET_MS = 100.0
QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "assistant" / "test.yaml"
WARMUP = 20


def questions() -> list[str]:
    return [case["q"] for case in yaml.safe_load(QUESTIONS.read_text("utf-8"))]


def start_worker(settings: Settings, cleanup: contextlib.ExitStack) -> Process:
    """`commune-worker assistant` with its per-client limit out of the way (every request
    here comes from one client). Its stop is in `cleanup` before the wait."""
    worker = Process(settings, "commune-worker", "assistant",
                     COMMUNE_ASSISTANT_RATE_LIMIT="1000000/minute")
    cleanup.callback(worker.stop)
    worker.wait_ready(f"http://127.0.0.1:{worker.http_port}/health/ready")
    return worker


def http_ask(port: int):
    url = f"http://127.0.0.1:{port}/api/v1/communes/binh-lu/assistant/ask"

    def ask(question: str) -> None:
        body = json.dumps({"question": question}).encode()
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            json.loads(response.read())
    return ask


def bm25_search():
    index = default_assistant().index

    def search(question: str) -> None:
        index.search(question)
    return search


def answer_in_process():
    """The assistant's own work (reading, retrieval, templates) without HTTP or storage."""
    assistant = default_assistant()

    def answer(question: str) -> None:
        assistant.answer(question)
    return answer


def measure(call, texts: list[str], requests: int, clients: int) -> dict:
    """Latency of `requests` calls one after another, then throughput of the same
    number spread over `clients` threads."""
    for text in texts[:WARMUP]:
        call(text)
    latencies = []
    for i in range(requests):
        started = time.perf_counter()
        call(texts[i % len(texts)])
        latencies.append((time.perf_counter() - started) * 1000)
    per_client = requests // clients
    started = time.perf_counter()
    threads = [threading.Thread(target=lambda c=c: [call(texts[(c * per_client + i)
                                                               % len(texts)])
                                                    for i in range(per_client)])
               for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "rate": per_client * clients / elapsed}


def report(http: dict, own: dict, bm25: dict, args) -> str:
    lines = [f"assistant benchmark: {args.requests} questions from the evaluation set, "
             f"one at a time for latency, {args.clients} clients for throughput",
             f"{'path':<34}{'answers/s':>11}{'p50 ms':>9}{'p95 ms':>9}"]
    for name, row in (("raw BM25 search (bm25s, in process)", bm25),
                      ("answer in process (no storage)", own),
                      ("assistant over HTTP (traced)", http)):
        lines.append(f"{name:<34}{row['rate']:>11.1f}{row['p50']:>9.2f}{row['p95']:>9.2f}")
    verdict = "met" if http["p95"] <= P95_TARGET_MS else "NOT met"
    lines += [f"ratio HTTP/BM25: p95 x{http['p95'] / bm25['p95']:.0f}, "
              f"throughput {http['rate'] / bm25['rate']:.2%} of raw search",
              f"target p95 <= {P95_TARGET_MS:.0f} ms over HTTP: {verdict} "
              f"({http['p95']:.1f} ms); the rest of the HTTP time is the trace's insert "
              f"(bench/README.md)"]
    return "\n".join(lines)


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.assistant", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    texts = questions()
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings)
        progress("raw BM25 search")
        bm25 = measure(bm25_search(), texts, args.requests, args.clients)
        progress("answers in process")
        own = measure(answer_in_process(), texts, args.requests, args.clients)
        progress("starting the assistant worker")
        worker = start_worker(settings, cleanup)
        progress("assistant over HTTP")
        http = measure(http_ask(worker.http_port), texts, args.requests, args.clients)
    print(report(http, own, bm25, args))


if __name__ == "__main__":
    main()
