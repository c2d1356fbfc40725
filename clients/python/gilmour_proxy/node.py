"""Join a Gilmour bus from Python through the Gilmour HTTP proxy (standard library only).

A node is a small HTTP server. It registers with the proxy, names the topics it serves, and from then on the
proxy POSTs each request and signal to the node's paths as ``{topic, sender, data, timeout}``. A service answers
with a JSON body and an HTTP status, which become the Gilmour reply's ``data`` and ``code``; a slot's answer is
ignored. The node sends its own requests, compositions and signals through the proxy's HTTP API.

    from gilmour_proxy import Node

    node = Node.from_environment()

    @node.service("shop.price", group="shop")
    def price(delivery):
        return {"sku": delivery.data["sku"], "price": 42}

    @node.slot("shop.events.*")
    def on_event(delivery):
        print(delivery.topic, delivery.data)

    node.run()

The node registers itself (retrying until the proxy answers), registers again when the proxy no longer knows it,
and asks to be activated again when the proxy has marked it dirty.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

__all__ = [
    "Delivery",
    "Reply",
    "Message",
    "Result",
    "ProxyError",
    "ProxyClient",
    "Node",
    "proxy_url_from_environment",
]

log = logging.getLogger("gilmour_proxy")

DEFAULT_GROUP = "_default"
"""The exclusion group the Go and Ruby libraries give a service that names none."""

DEFAULT_PROXY_URL = "http://127.0.0.1:5080"
"""Where the app host runs the proxy's control API when nothing else is said."""


@dataclass(frozen=True)
class Delivery:
    """One request or signal the proxy delivered to this node.

    topic: the topic the sender published to (the concrete one, also for a wildcard slot).
    sender: the Gilmour sender id of the request or signal.
    data: the message, any JSON value.
    timeout: seconds the proxy waits for a service's answer.
    """

    topic: str
    sender: str
    data: Any
    timeout: Optional[float] = None


@dataclass(frozen=True)
class Reply:
    """What a service handler returns to choose its reply's code; returning a plain value means code 200."""

    data: Any
    code: int = 200


@dataclass(frozen=True)
class Message:
    """One result of a request or composition: the responder's data and code."""

    data: Any
    code: int


@dataclass(frozen=True)
class Result:
    """The proxy's answer to a request or a composition.

    messages: one entry per result (several for parallel and recorded batch compositions).
    code: the highest code among them (200 success, 404 no subscriber, 499 timed out, ...).
    """

    messages: list[Message]
    code: int

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def data(self) -> Any:
        """The first result's data: the answer of a plain request."""
        return self.messages[0].data if self.messages else None


class ProxyError(Exception):
    """The proxy refused a call (unknown node, bad input, node not ok, ...), or could not be reached (status 0)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message

    @property
    def unreachable(self) -> bool:
        return self.status == 0


def proxy_url_from_environment(environ: Optional[dict[str, str]] = None) -> str:
    """The control API's URL: Aspire service discovery first, then GILMOUR_PROXY_URL, then the default.

    Aspire injects ``services__controlapi__http__0`` into a resource that references the control API.
    """
    environ = os.environ if environ is None else environ
    return (environ.get("services__controlapi__http__0")
            or environ.get("GILMOUR_PROXY_URL")
            or DEFAULT_PROXY_URL)


def _loopback_as_ipv4(url: str) -> str:
    # The proxy calls a node back at the address its registration came from. "localhost" may resolve to ::1,
    # which would make the proxy call [::1] while the node listens on 127.0.0.1.
    parts = urllib.parse.urlsplit(url)
    if parts.hostname == "localhost":
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts).rstrip("/")


class ProxyClient:
    """The proxy's HTTP API, one method per route. Raises ProxyError when the proxy refuses or is unreachable."""

    def __init__(self, base_url: str, api_key: Optional[str] = None, timeout: float = 10.0,
                 registration_timeout: float = 30.0):
        """timeout: seconds for a plain call. registration_timeout: seconds for registration and activation, which
        the proxy answers only after it has checked the node's health and made its subscriptions live; giving up
        earlier would make the node register twice."""
        self.base_url = _loopback_as_ipv4(base_url)
        self.api_key = api_key
        self.timeout = timeout
        self.registration_timeout = registration_timeout

    def register(self, port: int, health_check: str, services: list[dict], slots: list[dict]) -> dict:
        """POST /nodes: returns ``{id, status}`` once the proxy has checked the node's health and subscribed."""
        return self._call("POST", "/nodes", {
            "port": port, "health_check": health_check, "services": services, "slots": slots},
            self.registration_timeout)

    def node(self, node_id: str) -> dict:
        """GET /nodes/{id}: the node as the proxy sees it, with its ``status`` (ok, unavailable, dirty)."""
        return self._call("GET", f"/nodes/{_quote(node_id)}")

    def activate(self, node_id: str) -> dict:
        """POST /nodes/{id}/activate: health pre-check again and restore the node's subscriptions."""
        return self._call("POST", f"/nodes/{_quote(node_id)}/activate", None, self.registration_timeout)

    def deregister(self, node_id: str) -> None:
        """DELETE /nodes/{id}: in-flight deliveries finish, then the node is gone."""
        self._call("DELETE", f"/nodes/{_quote(node_id)}")

    def request(self, node_id: str, topic: str, message: Any, timeout: Optional[float] = None) -> Result:
        """POST /request/{id} with a topic: waits for the reply (or the timeout, code 499)."""
        return self._publish(node_id, {"topic": topic, "message": message}, timeout)

    def compose(self, node_id: str, composition: dict, message: Any, timeout: Optional[float] = None) -> Result:
        """POST /request/{id} with a composition such as ``{"pipe": [{"topic": "a"}, {"topic": "b"}]}``."""
        return self._publish(node_id, {"composition": composition, "message": message}, timeout)

    def signal(self, node_id: str, topic: str, message: Any) -> str:
        """POST /signal/{id}: emits the signal and returns its sender id."""
        return self._call("POST", f"/signal/{_quote(node_id)}", {"topic": topic, "message": message}).get("sender", "")

    def _publish(self, node_id: str, body: dict, timeout: Optional[float]) -> Result:
        if timeout is not None:
            body["timeout"] = timeout
        # The proxy holds the HTTP call open until the reply comes: wait a little longer than the request may take.
        wait = (timeout if timeout is not None else 60.0) + self.timeout
        answer = self._call("POST", f"/request/{_quote(node_id)}", body, wait, result_expected=True)
        messages = [Message(m.get("data"), int(m.get("code") or 0)) for m in answer.get("messages", [])]
        return Result(messages, int(answer.get("code") or 0))

    def _call(self, method: str, path: str, body: Any = None, timeout: Optional[float] = None,
              result_expected: bool = False) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("X-Api-Key", self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return _json_object(response.read())
        except urllib.error.HTTPError as error:
            answer = _json_object(error.read())
            # A request's answer carries the reply's code as the HTTP status (404 no subscriber, 499 timed out, a
            # service's own 500): that is a result, not a refusal. A refusal is {status: "<message>"}.
            if result_expected and "messages" in answer:
                return answer
            raise ProxyError(error.code, str(answer.get("status") or error.reason)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ProxyError(0, f"proxy at {self.base_url} unreachable: {reason}") from None


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _json_object(raw: bytes) -> dict:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"status": raw.decode(errors="replace")}
    return value if isinstance(value, dict) else {"status": value}


@dataclass
class _Route:
    kind: str  # "service" or "slot"
    topic: str
    path: str
    handler: Callable[[Delivery], Any]
    group: Optional[str] = None
    timeout: Optional[float] = None

    def subscription(self) -> dict:
        entry: dict[str, Any] = {"topic": self.topic, "path": self.path}
        if self.group is not None:
            entry["group"] = self.group
        if self.timeout is not None:
            entry["timeout"] = self.timeout
        return entry


@dataclass
class _Registration:
    node_id: Optional[str] = None
    # Reentrant: recovering holds it across a new registration, so that two threads that both learn the node is
    # unknown register it once.
    lock: threading.RLock = field(default_factory=threading.RLock)


class Node:
    """A Gilmour node served over HTTP and registered with the proxy.

    Declare handlers with the ``service``, ``slot`` and ``get`` decorators, then ``start()`` (returns once
    registered) or ``run()`` (also blocks until SIGTERM or Ctrl+C, then deregisters).
    """

    def __init__(self, proxy: ProxyClient, port: int = 0, host: str = "127.0.0.1",
                 health_check: str = "/health", watch_interval: float = 5.0):
        """proxy: the proxy's API. port: where this node listens (0: the OS picks one). host: the address to
        listen on; the proxy calls back the address the registration came from, so keep it the one that reaches
        the proxy. watch_interval: seconds between checks that the proxy still knows this node as ok."""
        self.proxy = proxy
        self.host = host
        self.health_check = health_check
        self.watch_interval = watch_interval
        self._requested_port = port
        self._routes: dict[str, _Route] = {}
        self._gets: dict[str, Callable[[], Any]] = {}
        self._healthy: Callable[[], bool] = lambda: True
        self._registration = _Registration()
        self._server: Optional[ThreadingHTTPServer] = None
        self._stopping = threading.Event()

    @classmethod
    def from_environment(cls, **options: Any) -> "Node":
        """A node configured the way the app host runs it: PORT to listen on, the proxy from service discovery
        (see ``proxy_url_from_environment``), HOST to bind (default 127.0.0.1), GILMOUR_API_KEY if the proxy
        requires one."""
        proxy = ProxyClient(proxy_url_from_environment(), api_key=os.environ.get("GILMOUR_API_KEY"))
        options.setdefault("port", int(os.environ.get("PORT", "0")))
        options.setdefault("host", os.environ.get("HOST", "127.0.0.1"))
        return cls(proxy, **options)

    # -- declaring what the node serves --------------------------------------------------------------------------

    def service(self, topic: str, group: str = DEFAULT_GROUP, path: Optional[str] = None,
                timeout: Optional[float] = None) -> Callable:
        """Decorator: the function answers requests on ``topic`` (no wildcards). It gets a Delivery and returns
        the reply's data (code 200) or a Reply to choose the code. An exception becomes code 500. Within one
        exclusion ``group`` only one subscriber handles each request."""
        if "*" in topic:
            raise ValueError("a service topic cannot be a wildcard; use a slot")
        return self._route("service", topic, group, path, timeout)

    def slot(self, topic: str, group: Optional[str] = None, path: Optional[str] = None,
             timeout: Optional[float] = None) -> Callable:
        """Decorator: the function receives signals on ``topic``, which may end in a wildcard (``events.*``).
        Its return value is ignored."""
        return self._route("slot", topic, group, path, timeout)

    def get(self, path: str) -> Callable:
        """Decorator: a plain GET route of this node's own (not a Gilmour subscription); returns JSON."""
        def register(function: Callable[[], Any]) -> Callable[[], Any]:
            self._gets[path] = function
            return function
        return register

    def health(self, function: Callable[[], bool]) -> Callable[[], bool]:
        """Decorator: decides what the health path answers (True: 200, False: 503). Default: always healthy."""
        self._healthy = function
        return function

    def _route(self, kind: str, topic: str, group: Optional[str], path: Optional[str],
               timeout: Optional[float]) -> Callable:
        if not topic:
            raise ValueError("topic must not be empty")
        path = path or f"/{kind}s/{topic.replace('*', '_any')}"
        if path in self._routes or path == self.health_check:
            raise ValueError(f"path {path} is already used")

        def register(function: Callable[[Delivery], Any]) -> Callable[[Delivery], Any]:
            self._routes[path] = _Route(kind, topic, path, function, group, timeout)
            return function
        return register

    # -- running ---------------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port this node listens on (known once started)."""
        return self._server.server_address[1] if self._server else self._requested_port

    @property
    def node_id(self) -> Optional[str]:
        """The id the proxy gave this node, once registered."""
        return self._registration.node_id

    def start(self) -> str:
        """Serves HTTP in background threads, registers (retrying while the proxy does not answer), starts the
        watch, and returns the node id. Calling it again returns the same id."""
        if self._server is not None:
            return self._registration.node_id or self._register_until_accepted()
        # Serve before registering: the proxy checks the node's health before it accepts the registration.
        self._server = ThreadingHTTPServer((self.host, self._requested_port), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="gilmour-node-http", daemon=True).start()
        log.info("node listens on http://%s:%d", self.host, self.port)
        node_id = self._register_until_accepted()
        threading.Thread(target=self._watch, name="gilmour-node-watch", daemon=True).start()
        return node_id

    def run(self) -> None:
        """``start()`` (unless started already), then block until SIGTERM or Ctrl+C; then deregister and stop."""
        signal.signal(signal.SIGTERM, lambda *_: self._stopping.set())
        self.start()
        try:
            self._stopping.wait()
        except KeyboardInterrupt:
            pass
        self.stop()

    def stop(self) -> None:
        """Deregisters (best effort: the proxy may be gone already) and stops serving."""
        self._stopping.set()
        node_id = self._registration.node_id
        if node_id:
            try:
                self.proxy.deregister(node_id)
                log.info("node %s deregistered", node_id)
            except ProxyError as error:
                log.info("could not deregister node %s: %s", node_id, error)
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- sending through the proxy ---------------------------------------------------------------------------------

    def request(self, topic: str, message: Any = None, timeout: Optional[float] = None) -> Result:
        """Sends a Gilmour request and waits for its reply. Check ``result.code``: 200 ok, 404 nobody serves the
        topic, 499 timed out, or whatever the responder chose."""
        return self._as_known_node(lambda node_id: self.proxy.request(node_id, topic, message, timeout))

    def compose(self, composition: dict, message: Any = None, timeout: Optional[float] = None) -> Result:
        """Runs a composition (pipe, andand, oror, batch, parallel) through the proxy."""
        return self._as_known_node(lambda node_id: self.proxy.compose(node_id, composition, message, timeout))

    def signal(self, topic: str, message: Any = None) -> str:
        """Emits a Gilmour signal to every slot of ``topic``; returns its sender id."""
        return self._as_known_node(lambda node_id: self.proxy.signal(node_id, topic, message))

    def _as_known_node(self, call: Callable[[str], Any]) -> Any:
        node_id = self._registration.node_id or self._register_until_accepted()
        try:
            return call(node_id)
        except ProxyError as error:
            if not self._recover(node_id, error):
                raise
        return call(self._registration.node_id or node_id)

    # -- staying registered ----------------------------------------------------------------------------------------

    def _subscriptions(self, kind: str) -> list[dict]:
        return [route.subscription() for route in self._routes.values() if route.kind == kind]

    def _register_until_accepted(self) -> str:
        delay = 0.2
        while True:
            try:
                return self._register()
            except ProxyError as error:
                # Unreachable (the proxy is starting) or 5xx (it cannot reach Redis yet): wait and retry.
                # Anything else is a mistake in this node's declarations: retrying would not fix it.
                if not (error.unreachable or error.status >= 500):
                    raise
                log.info("registration not accepted yet (%s); retrying in %.1f s", error, delay)
            if self._stopping.wait(delay):
                raise ProxyError(0, "stopped before the proxy accepted the registration")
            delay = min(delay * 2, 5.0)

    def _register(self) -> str:
        with self._registration.lock:
            answer = self.proxy.register(self.port, self.health_check,
                                         self._subscriptions("service"), self._subscriptions("slot"))
            self._registration.node_id = str(answer["id"])
        log.info("registered with the proxy at %s as node %s (status %s)",
                 self.proxy.base_url, answer["id"], answer.get("status"))
        return self._registration.node_id

    def _recover(self, node_id: str, error: ProxyError) -> bool:
        """Brings the registration back after the proxy said it does not know this node (404) or will not let it
        publish (503: dirty or unavailable). Returns False when the error is of another kind."""
        if error.status == HTTPStatus.NOT_FOUND:
            with self._registration.lock:
                if self._registration.node_id != node_id:
                    return True  # another thread registered again meanwhile
                log.info("the proxy no longer knows node %s; registering again", node_id)
                self._register_until_accepted()
            return True
        if error.status == HTTPStatus.SERVICE_UNAVAILABLE:
            log.info("the proxy holds node %s as not ok; asking to activate it", node_id)
            self.proxy.activate(node_id)
            return True
        return False

    def _watch(self) -> None:
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
            # 404: forgotten, register again. Anything else (the proxy restarting, say): look again next round.
            if error.status == HTTPStatus.NOT_FOUND:
                self._recover(node_id, error)
            return
        if status == "dirty":
            self._recover(node_id, ProxyError(HTTPStatus.SERVICE_UNAVAILABLE, "dirty"))

    # -- serving ---------------------------------------------------------------------------------------------------

    def _handler_class(self) -> type:
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "gilmour-proxy-node"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = urllib.parse.urlsplit(self.path).path
                if path == node.health_check:
                    healthy = node._healthy()
                    self._answer(200 if healthy else 503, {"status": "ok" if healthy else "unhealthy"})
                elif path in node._gets:
                    self._answer(200, node._gets[path]())
                else:
                    self._answer(404, {"error": f"no route {path}"})

            def do_POST(self) -> None:  # noqa: N802
                route = node._routes.get(urllib.parse.urlsplit(self.path).path)
                if route is None:
                    self._answer(404, {"error": f"no route {self.path}"})
                    return
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                    delivery = Delivery(str(body.get("topic", route.topic)), str(body.get("sender", "")),
                                        body.get("data"), body.get("timeout"))
                except (ValueError, AttributeError) as error:
                    self._answer(400, {"error": f"not a delivery: {error}"})
                    return
                try:
                    outcome = route.handler(delivery)
                except Exception as error:  # a handler's failure is the reply's code 500, not a dead server
                    log.exception("%s %s failed", route.kind, route.topic)
                    self._answer(500, {"error": str(error)})
                    return
                if route.kind == "slot":
                    self._answer(200, {})
                elif isinstance(outcome, Reply):
                    self._answer(outcome.code, outcome.data)
                else:
                    self._answer(200, outcome)

            def _answer(self, status: int, value: Any) -> None:
                payload = json.dumps(value).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    # The proxy closes the connection when a delivery outlives its timeout; it has already
                    # replied 499 on the bus, so the late answer has nowhere to go.
                    log.info("%s %s: the proxy was gone before the answer was written", self.command, self.path)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
                log.debug("%s %s", self.address_string(), format % args)

        return Handler
