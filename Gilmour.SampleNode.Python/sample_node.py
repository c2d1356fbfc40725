"""The sample Gilmour node the app host runs: two services, a wildcard slot, and round trips at start.

Services (exclusion group "sample"):
  sample.echo  answers with the message it got.
  sample.fib   message {"n": N} or N (0 <= N <= 1000); answers {"n": N, "fib": F(N)}, or code 400 for bad input.
Slot:
  sample.events.*  logs each signal and keeps the last ones; GET /received lists them.
GET /node answers the node id the proxy gave this process; GET /peer requests sample.shout of the TypeScript
sample node now and answers {"topic", "code", "data"}.
At start it requests its own sample.fib, signals sample.events.started, and requests sample.shout of the
TypeScript sample node (Gilmour.SampleNode.TypeScript), retrying while nobody serves it yet.

Environment: PORT (listen port), HOST (bind address), services__controlapi__http__0 or GILMOUR_PROXY_URL (the
proxy's control API), GILMOUR_API_KEY (the proxy's admin key, if it requires one), GILMOUR_TRANSPORT (callback,
the default, or stream).
"""

from __future__ import annotations

import collections
import logging
import os
import sys
import threading
from typing import Any

try:
    import gilmour_proxy  # noqa: F401 (installed: pip install ./clients/python)
except ImportError:
    # Run from a checkout without installing: the package is in clients/python of the same repository.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from gilmour_proxy import Delivery, Node, ProxyError, Reply

MAX_N = 1000
KEPT_SIGNALS = 100
PEER_TOPIC = "sample.shout"
PEER_ATTEMPTS = 30
PEER_RETRY_SECONDS = 2.0

log = logging.getLogger("sample_node")
node = Node.from_environment()

_received: collections.deque[dict[str, Any]] = collections.deque(maxlen=KEPT_SIGNALS)
_received_lock = threading.Lock()


@node.service("sample.echo", group="sample", timeout=10)
def echo(delivery: Delivery) -> Any:
    return delivery.data


@node.service("sample.fib", group="sample", timeout=10)
def fib(delivery: Delivery) -> Any:
    n = delivery.data.get("n") if isinstance(delivery.data, dict) else delivery.data
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_N:
        return Reply({"error": f"n must be an integer from 0 to {MAX_N}"}, 400)
    previous, current = 0, 1
    for _ in range(n):
        previous, current = current, previous + current
    return {"n": n, "fib": previous}


@node.slot("sample.events.*")
def on_event(delivery: Delivery) -> None:
    log.info("signal on %s from %s: %s", delivery.topic, delivery.sender, delivery.data)
    with _received_lock:
        _received.append({"topic": delivery.topic, "sender": delivery.sender, "data": delivery.data})


@node.get("/node")
def identity() -> dict[str, Any]:
    """Which node the proxy knows this process as (the id changes if it ever has to register again)."""
    return {"id": node.node_id, "port": node.port}


@node.get("/peer")
def peer() -> dict[str, Any]:
    """Requests the TypeScript sample node's service now, through the proxy, and shows its answer."""
    result = node.request(PEER_TOPIC, {"text": "hello from python"}, timeout=10)
    return {"topic": PEER_TOPIC, "code": result.code, "data": result.data}


@node.get("/received")
def received() -> dict[str, Any]:
    with _received_lock:
        return {"signals": list(_received)}


def show_round_trip() -> None:
    """A request to our own service and a signal to our own slot, both through the proxy and Redis."""
    try:
        result = node.request("sample.fib", {"n": 10}, timeout=10)
        log.info("round trip: request sample.fib {n: 10} answered code %s: %s", result.code, result.data)
        sender = node.signal("sample.events.started", {"node": node.node_id})
        log.info("round trip: signal sample.events.started sent (sender %s)", sender)
    except ProxyError as error:
        # The node keeps serving: the round trip only shows the way; it is not what the node is for.
        log.warning("round trip failed: %s", error)


def ask_peer(stopping: threading.Event) -> None:
    """Requests the TypeScript sample node's service; code 404 means nobody serves it (yet): the other node may
    start later, or not run at all."""
    for _ in range(PEER_ATTEMPTS):
        try:
            result = node.request(PEER_TOPIC, {"text": "hello from python"}, timeout=10)
        except ProxyError as error:
            log.warning("request %s failed: %s", PEER_TOPIC, error)
            return
        if result.code != 404:
            log.info("peer: request %s answered code %s: %s", PEER_TOPIC, result.code, result.data)
            return
        if stopping.wait(PEER_RETRY_SECONDS):
            return
    log.info("peer: nobody serves %s; is the TypeScript sample node running?", PEER_TOPIC)


def main() -> None:
    # stdout: the dashboard shows stderr lines as errors.
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    node.start()
    show_round_trip()
    stopping = threading.Event()
    threading.Thread(target=ask_peer, args=(stopping,), name="sample-peer", daemon=True).start()
    node.run()
    stopping.set()


if __name__ == "__main__":
    main()
