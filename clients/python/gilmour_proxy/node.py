"""A Gilmour node: declares services and slots, registers with the proxy, serves them, sends through it."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar

from .callback import CallbackServer
from .client import ProxyClient, proxy_url_from_environment
from .errors import ProxyError
from .messages import Result
from .registration import Registration
from .routes import DEFAULT_GROUP, SERVICE, SLOT, Route, Routes, default_path
from .stream import NodeStream

log = logging.getLogger("gilmour_proxy")

CALLBACK = "callback"
STREAM = "stream"
TRANSPORTS = (CALLBACK, STREAM)

F = TypeVar("F", bound=Callable[..., Any])


class Node:
    """A Gilmour node registered with the proxy.

    Declare handlers with the ``service`` and ``slot`` decorators, then ``start()`` (returns once the node's
    subscriptions are live) or ``run()`` (also blocks until SIGTERM or Ctrl+C, then deregisters).

    transport ``"callback"`` (default): the node serves HTTP and the proxy POSTs each delivery to it; the proxy
    checks the node's health path. ``"stream"``: the node opens ``GET /nodes/{id}/stream`` and answers with POSTs,
    so it needs no port the proxy can reach (behind NAT, in a container without ingress).
    """

    def __init__(self, proxy: ProxyClient, port: Optional[int] = None, host: str = "127.0.0.1",
                 health_check: str = "/health", watch_interval: float = 5.0, transport: str = CALLBACK,
                 stream_idle_timeout: float = 45.0, max_concurrency: int = 16):
        """proxy: the proxy's API. transport: ``"callback"`` or ``"stream"``.
        port: where this node listens (0: the OS picks one; a callback node's default). A stream node serves HTTP
        (its health path and ``get`` routes, for an orchestrator's health checks) only when given a port.
        host: the address to listen on; the proxy calls a callback node back at the address its registration came
        from, so keep it the one that reaches the proxy. watch_interval: seconds between a callback node's checks
        that the proxy still knows it as ok. stream_idle_timeout: seconds of silence after which a stream is
        taken for dead and reopened (the proxy writes a keepalive every 15 s by default). max_concurrency: a
        stream node's handlers running at once."""
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)} (a node that only sends: Sender)")
        self.proxy = proxy
        self.transport = transport
        self.host = host
        self.health_check = health_check
        self.watch_interval = watch_interval
        self._requested_port = port if port is not None else (0 if transport == CALLBACK else None)
        self._routes = Routes()
        self._gets: Dict[str, Callable[[], Any]] = {}
        self._healthy: Optional[Callable[[], bool]] = None
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._started = False
        self._server: Optional[CallbackServer] = None
        self._registration = Registration(proxy, self._register, self._stopping, self._restore)
        self._stream = NodeStream(proxy, self._registration, self._routes, self._stopping,
                                  idle_timeout=stream_idle_timeout, max_concurrency=max_concurrency)

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None, **options: Any) -> "Node":
        """A node configured the way the app host runs it: the proxy's URL from service discovery or
        GILMOUR_PROXY_URL (see ``proxy_url_from_environment``), GILMOUR_API_KEY if the proxy requires one,
        GILMOUR_TRANSPORT (``callback``, the default, or ``stream``), PORT to listen on, HOST to bind (default
        127.0.0.1). Keyword options override the environment."""
        environ = os.environ if environ is None else environ
        proxy = ProxyClient(proxy_url_from_environment(environ), api_key=environ.get("GILMOUR_API_KEY"))
        options.setdefault("transport", environ.get("GILMOUR_TRANSPORT") or CALLBACK)
        if environ.get("PORT"):
            options.setdefault("port", int(environ["PORT"]))
        options.setdefault("host", environ.get("HOST", "127.0.0.1"))
        return cls(proxy, **options)

    # -- declaring what the node serves ----------------------------------------------------------------------------

    def service(self, topic: str, group: str = DEFAULT_GROUP, path: Optional[str] = None,
                timeout: Optional[int] = None) -> Callable[[F], F]:
        """Decorator: the function answers requests on ``topic`` (no wildcards). It gets a Delivery and returns
        the reply's data (code 200) or a Reply to choose the code. An exception becomes code 500. Within one
        exclusion ``group`` only one subscriber handles each request. timeout: seconds the proxy waits for the
        answer (its default is 600) before the requester gets 499."""
        if "*" in topic:
            raise ValueError("a service topic cannot be a wildcard; use a slot")
        return self._route(SERVICE, topic, group, path, timeout)

    def slot(self, topic: str, group: Optional[str] = None, path: Optional[str] = None,
             timeout: Optional[int] = None) -> Callable[[F], F]:
        """Decorator: the function receives signals on ``topic``, which may end in a wildcard (``events.*``).
        Its return value is ignored. With a ``group``, one member of the group gets each signal."""
        return self._route(SLOT, topic, group, path, timeout)

    def get(self, path: str) -> Callable[[F], F]:
        """Decorator: a plain GET route of this node's own HTTP server (not a Gilmour subscription); returns
        JSON."""
        def register(function: F) -> F:
            self._gets[path] = function
            return function
        return register

    def health(self, function: Callable[[], bool]) -> Callable[[], bool]:
        """Decorator: decides what the health path answers (True: 200, False: 503). Default: a callback node is
        always healthy; a stream node is healthy while its stream is open."""
        self._healthy = function
        return function

    def _route(self, kind: str, topic: str, group: Optional[str], path: Optional[str],
               timeout: Optional[int]) -> Callable[[F], F]:
        if not topic:
            raise ValueError("topic must not be empty")
        path = path or default_path(kind, topic)
        if path == self.health_check:
            raise ValueError(f"path {path} is the health path")

        def register(function: F) -> F:
            self._routes.add(Route(kind, topic, path, function, group, timeout))
            return function
        return register

    # -- running ---------------------------------------------------------------------------------------------------

    @property
    def port(self) -> Optional[int]:
        """The port this node listens on (known once started; None for a stream node without HTTP)."""
        return self._server.address[1] if self._server else self._requested_port

    @property
    def node_id(self) -> Optional[str]:
        """The id the proxy gave this node, once registered."""
        return self._registration.node_id

    @property
    def stream(self) -> NodeStream:
        """The stream of a stream node: ``ready`` (an Event), ``opened`` and ``keepalives`` counts."""
        return self._stream

    def start(self) -> str:
        """Serves (a callback node's HTTP first: the proxy checks its health before it accepts it), registers
        (retrying while the proxy does not answer), and returns the node id once the node's subscriptions are
        live. Calling it again returns the same id."""
        if self._started:
            return self._registration.ensure()
        self._started = True
        if self._requested_port is not None:
            self._server = CallbackServer(self.host, self._requested_port, self._routes, self.health_check,
                                          self._is_healthy, self._gets)
            self._server.start()
            log.info("node listens on http://%s:%d", *self._server.address)
        node_id = self._registration.register_until_accepted()
        if self.transport == STREAM:
            self._stream.start()
            self._stream.wait_settled()
            if self._stream.failure is not None:
                raise self._stream.failure
        else:
            threading.Thread(target=self._watch, name="gilmour-node-watch", daemon=True).start()
        return self._registration.node_id or node_id

    def run(self) -> None:
        """``start()`` (unless started already), then block until SIGTERM, Ctrl+C or ``stop()``; then deregister
        and stop."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_sigterm)
        self.start()
        try:
            self._stopping.wait()
        except KeyboardInterrupt:
            pass
        self.stop()

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        self._stopping.set()

    def stop(self) -> None:
        """Deregisters (best effort: the proxy may be gone already) and stops serving. Only the first call does
        anything: ``run()`` calls it too when it returns, after a ``stop()`` from elsewhere woke it."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        self._stream.stop()
        node_id = self._registration.forget()
        if node_id:
            try:
                self.proxy.deregister(node_id)
                log.info("node %s deregistered", node_id)
            except ProxyError as error:
                log.info("could not deregister node %s: %s", node_id, error)
        if self._server:
            self._server.stop()

    # -- sending through the proxy ---------------------------------------------------------------------------------

    def request(self, topic: str, message: Any = None, timeout: Optional[float] = None) -> Result:
        """Sends a Gilmour request and waits for its reply. Check ``result.code``: 200 ok, 404 nobody serves the
        topic, 499 timed out, or whatever the responder chose."""
        return self._registration.as_known_node(lambda node_id: self.proxy.request(node_id, topic, message, timeout))

    def compose(self, composition: Mapping[str, Any], message: Any = None, timeout: Optional[float] = None) -> Result:
        """Runs a composition (pipe, andand, oror, batch, parallel) through the proxy."""
        return self._registration.as_known_node(
            lambda node_id: self.proxy.compose(node_id, composition, message, timeout))

    def signal(self, topic: str, message: Any = None) -> str:
        """Emits a Gilmour signal to every slot of ``topic``; returns its sender id."""
        return self._registration.as_known_node(lambda node_id: self.proxy.signal(node_id, topic, message))

    # -- staying registered ----------------------------------------------------------------------------------------

    def _register(self) -> Dict[str, Any]:
        services, slots = self._routes.subscriptions(SERVICE), self._routes.subscriptions(SLOT)
        if self.transport == STREAM:
            return self.proxy.register(STREAM, services=services, slots=slots)
        return self.proxy.register(CALLBACK, port=self.port, health_check=self.health_check,
                                   services=services, slots=slots)

    def _restore(self, node_id: str) -> None:
        """The proxy holds the node as not ok. A callback node asks to be activated (the proxy checks its health
        first); a stream node is ok again once its stream is back, which the stream's own loop sees to."""
        if self.transport == CALLBACK:
            self.proxy.activate(node_id)
        elif not self._stream.ready.wait(self.proxy.registration_timeout):
            raise ProxyError(503, f"the stream of node {node_id} is not open")

    def _is_healthy(self) -> bool:
        if self._healthy is not None:
            return self._healthy()
        return self.transport == CALLBACK or self._stream.ready.is_set()

    def _watch(self) -> None:
        """A callback node that only serves never hears that the proxy forgot it or marked it dirty; every
        ``watch_interval`` it asks."""
        while not self._stopping.wait(self.watch_interval):
            node_id = self._registration.node_id
            if not node_id:
                continue
            try:
                self._keep_registered(node_id)
            except ProxyError as error:
                log.info("could not restore node %s yet: %s", node_id, error)

    def _keep_registered(self, node_id: str) -> None:
        try:
            status = self.proxy.node(node_id).get("status")
        except ProxyError as error:
            # Forgotten: register again. Anything else (the proxy restarting, say): look again next round.
            if self._registration.forgotten(node_id, error):
                self._registration.recover(node_id, error)
            return
        if status == "dirty":
            log.info("the proxy holds node %s as dirty; asking to activate it", node_id)
            self.proxy.activate(node_id)
