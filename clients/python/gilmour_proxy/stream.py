"""The stream transport: the node dials out to ``GET /nodes/{id}/stream`` and answers with POSTed batches of replies."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import logging
import random
import socket
import threading
import time
import urllib.parse
from http import HTTPStatus
from typing import Any, Dict, Optional, Set, cast

from .client import ProxyClient
from .errors import ProxyError
from .events import Comment, EventParser, ServerSentEvent
from .messages import Delivery, DeliveryReply
from .registration import FIRST_RETRY_DELAY, LAST_RETRY_DELAY, Registration
from .replies import ReplySender
from .routes import Routes

log = logging.getLogger("gilmour_proxy")

MAX_LINE = 16 * 1024 * 1024
"""Longest event line read (one delivery is one line of JSON; the proxy's own body limit is far below)."""

REPLACED = "replaced"
DELETED = "deleted"


class NodeStream:
    """Keeps one node's event stream open and hands its deliveries to the node's handlers.

    The stream is reopened with a growing delay whenever it is lost: refused, cut, closed by the proxy, or silent
    for longer than ``idle_timeout`` (the proxy writes a keepalive comment every few seconds, so silence means a
    dead connection that TCP alone may take minutes to notice). It is not reopened after the proxy closed it
    because a newer stream of the same node replaced it: two processes holding one node would otherwise take the
    stream from each other forever.

    Replies go through one ReplySender: at once when no POST is in flight, otherwise together in the next POST.
    """

    def __init__(self, proxy: ProxyClient, registration: Registration, routes: Routes, stopping: threading.Event,
                 idle_timeout: float = 45.0, max_concurrency: int = 16, drain_seconds: float = 10.0):
        self._proxy = proxy
        self._registration = registration
        self._routes = routes
        self._stopping = stopping
        self.idle_timeout = idle_timeout
        self.drain_seconds = drain_seconds
        self._pool = concurrent.futures.ThreadPoolExecutor(max_concurrency, thread_name_prefix="gilmour-delivery")
        self._in_flight: Set["concurrent.futures.Future[None]"] = set()
        self._in_flight_lock = threading.Lock()
        self._replies = ReplySender(proxy)
        self._connection: Optional[http.client.HTTPConnection] = None
        self._connection_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._settled = threading.Event()
        self.ready = threading.Event()
        """Set while a stream is open and the node's subscriptions are live."""
        self.failure: Optional[ProxyError] = None
        """Why the stream gave up for good (a refusal that retrying would not mend), if it did."""
        self.opened = 0
        """Streams opened so far (each ``ready`` counts one)."""
        self.keepalives = 0
        """Keepalive comments received so far."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gilmour-node-stream", daemon=True)
        self._thread.start()

    def wait_settled(self, timeout: Optional[float] = None) -> bool:
        """Waits until the first stream is ready, or the stream gave up (``failure``), or the node stops."""
        return self._settled.wait(timeout)

    def stop(self) -> None:
        """Closes the stream (no new deliveries), then lets running handlers finish and their replies, queued ones
        too, reach the proxy, for at most ``drain_seconds`` in all."""
        self._stopping.set()
        self._settled.set()
        self._interrupt()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self.idle_timeout)
        with self._in_flight_lock:
            running = set(self._in_flight)
        deadline = time.monotonic() + self.drain_seconds
        concurrent.futures.wait(running, self.drain_seconds)
        # A handler that queued its reply behind a POST in flight has returned already; its reply has not gone yet.
        self._replies.wait_idle(max(0.0, deadline - time.monotonic()))
        self._pool.shutdown(wait=False)

    # -- the reconnecting loop -------------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = FIRST_RETRY_DELAY
        while not self._stopping.is_set():
            node_id = None
            try:
                node_id = self._registration.ensure()
                opened_before = self.opened
                reason = self._read(node_id)
                if self.opened > opened_before:
                    delay = FIRST_RETRY_DELAY
                if self._stopping.is_set():
                    break
                if reason == REPLACED:
                    log.warning("the stream of node %s was replaced by a newer one (another process holds this "
                                "node); not reconnecting", node_id)
                    break
                if reason == DELETED:
                    if self._mend(node_id, ProxyError(HTTPStatus.NOT_FOUND, "node deleted")):
                        continue
                    break
                log.info("the stream of node %s ended (%s); reconnecting in %.1f s", node_id, reason, delay)
            except ProxyError as error:
                if self._stopping.is_set():
                    break
                if not error.retryable:
                    if node_id is not None and self._mend(node_id, error):
                        continue
                    if self.failure is None:
                        log.error("the proxy refused the stream of node %s: %s", node_id, error)
                        self.failure = error
                    break
                log.info("no stream for node %s (%s); retrying in %.1f s", node_id, error, delay)
            except (OSError, http.client.HTTPException, ValueError) as error:
                if self._stopping.is_set():
                    break
                log.info("the stream of node %s was lost (%s); reconnecting in %.1f s",
                         node_id, error or type(error).__name__, delay)
            except Exception:  # noqa: BLE001 (whatever broke, the node must not lose its stream for good)
                if self._stopping.is_set():
                    break
                log.exception("the stream of node %s failed; reconnecting in %.1f s", node_id, delay)
            finally:
                self.ready.clear()
            # Jitter: the nodes of a restarted proxy do not all come back in the same instant.
            if self._stopping.wait(delay * random.uniform(0.5, 1.0)):
                break
            delay = min(delay * 2, LAST_RETRY_DELAY)
        self._settled.set()

    def _mend(self, node_id: str, error: ProxyError) -> bool:
        """Registers again when the proxy forgot the node; False when that is not the trouble or cannot be done."""
        try:
            return self._registration.recover(node_id, error)
        except ProxyError as refusal:
            log.error("node %s could not register again: %s", node_id, refusal)
            self.failure = refusal
            return False

    def _read(self, node_id: str) -> str:
        """Reads one stream to its end; returns why it ended (the proxy's close reason, or ``ended``)."""
        connection = self._connect()
        try:
            path = urllib.parse.urlsplit(self._proxy.stream_url(node_id)).path
            connection.request("GET", path, headers={
                "Accept": "text/event-stream", "Cache-Control": "no-cache", **self._proxy.headers(node_id)})
            response = connection.getresponse()
            if response.status != HTTPStatus.OK:
                raise ProxyError(response.status, _refusal(response.read(), response.reason))
            parser = EventParser()
            while not self._stopping.is_set():
                raw = response.readline(MAX_LINE)
                if not raw:
                    return "ended by the proxy"
                item = parser.line(raw.decode("utf-8"))
                if isinstance(item, Comment):
                    self.keepalives += 1
                elif isinstance(item, ServerSentEvent):
                    reason = self._on_event(node_id, item)
                    if reason is not None:
                        return reason
            return "stopping"
        finally:
            self._release(connection)

    def _connect(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self._proxy.base_url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        # The socket's timeout is the longest silence taken for a live stream.
        connection = kind(parts.hostname or "127.0.0.1", parts.port, timeout=self.idle_timeout)
        with self._connection_lock:
            self._connection = connection
        return connection

    def _interrupt(self) -> None:
        """Wakes the stream thread out of its read at once. Only the socket is shut down here: the connection
        itself belongs to the thread reading it, which closes it on its way out."""
        with self._connection_lock:
            connection = self._connection
        if connection is not None and connection.sock is not None:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _release(self, connection: http.client.HTTPConnection) -> None:
        with self._connection_lock:
            if self._connection is connection:
                self._connection = None
        connection.close()

    # -- events ----------------------------------------------------------------------------------------------------

    def _on_event(self, node_id: str, event: ServerSentEvent) -> Optional[str]:
        """Handles one event; returns the close reason when the proxy is closing the stream."""
        if event.event == "ready":
            self.opened += 1
            self.ready.set()
            self._settled.set()
            log.info("stream of node %s open; its subscriptions are live", node_id)
        elif event.event in ("request", "signal"):
            fields = json.loads(event.data)
            self._submit(node_id, event.event, fields)
        elif event.event == "close":
            fields: Dict[str, Any] = json.loads(event.data) if event.data else {}
            return str(fields.get("reason") or "closed")
        return None

    def _submit(self, node_id: str, kind: str, fields: Dict[str, Any]) -> None:
        future = self._pool.submit(self._deliver, node_id, kind, fields)
        with self._in_flight_lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: "concurrent.futures.Future[None]") -> None:
        with self._in_flight_lock:
            self._in_flight.discard(future)

    def _deliver(self, node_id: str, kind: str, fields: Dict[str, Any]) -> None:
        path = str(fields.get("path", ""))
        route = self._routes.get(path)
        delivery = Delivery(str(fields.get("topic", "")), str(fields.get("sender", "")), fields.get("data"),
                            fields.get("timeout"), path)
        if route is None:
            code, data = 404, {"status": f"this node serves nothing at {path}"}
            log.warning("%s for %s at %s, which this node does not serve", kind, delivery.topic, path)
        else:
            code, data = route.answer(delivery)
        if kind == "request":
            self._replies.send(node_id, DeliveryReply(str(fields.get("id", "")), code, data), delivery.topic)


def _refusal(raw: bytes, reason: str) -> str:
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return reason
    return str(cast(Dict[str, Any], value).get("status") or reason) if isinstance(value, dict) else reason
