"""The callback transport: the node serves HTTP and the proxy POSTs each delivery to the subscription's path."""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

from .messages import Delivery
from .routes import Routes

log = logging.getLogger("gilmour_proxy")


class CallbackServer:
    """The node's HTTP server: its health path, its subscriptions' paths, and GET routes of its own.

    Every request's body is read to its end before the answer, whatever the answer: the proxy keeps connections
    open, and an unread body would be taken for the next request on the same connection.
    """

    def __init__(self, host: str, port: int, routes: Routes, health_path: str, healthy: Callable[[], bool],
                 gets: Dict[str, Callable[[], Any]]):
        self._routes = routes
        self._health_path = health_path
        self._healthy = healthy
        self._gets = gets
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    @property
    def address(self) -> Tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="gilmour-node-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()

    def _deliver(self, path: str, body: bytes) -> Tuple[int, Any]:
        route = self._routes.get(path)
        if route is None:
            return 404, {"status": f"this node serves nothing at {path}"}
        try:
            fields = json.loads(body or b"{}")
            delivery = Delivery(str(fields.get("topic", route.topic)), str(fields.get("sender", "")),
                                fields.get("data"), fields.get("timeout"), path)
        except (ValueError, AttributeError) as error:
            return 400, {"status": f"not a delivery: {error}"}
        return route.answer(delivery)

    def _get(self, path: str) -> Tuple[int, Any]:
        if path == self._health_path:
            healthy = self._healthy()
            return (200, {"status": "ok"}) if healthy else (503, {"status": "unhealthy"})
        if path in self._gets:
            # As for a delivery: a route that raises answers 500 with the reason, and the node keeps serving.
            try:
                return 200, self._gets[path]()
            except Exception as error:
                log.exception("GET %s failed", path)
                return 500, {"error": str(error)}
        return 404, {"status": f"this node serves nothing at {path}"}

    def _handler_class(self) -> type:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "gilmour-proxy-node"
            # http.server's own refusals (a malformed request line, say) as JSON rather than an HTML page.
            error_message_format = '{"status": "%(explain)s"}'
            error_content_type = "application/json"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self._read_body() is not None:
                    self._answer(*server._get(self._path()))

            def do_POST(self) -> None:  # noqa: N802
                body = self._read_body()
                if body is not None:
                    self._answer(*server._deliver(self._path(), body))

            def _refuse_method(self) -> None:
                if self._read_body() is not None:
                    self._answer(405, {"status": f"{self.command} is not served here"})

            do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method  # noqa: N815

            def _path(self) -> str:
                return urllib.parse.urlsplit(self.path).path

            def _read_body(self) -> Optional[bytes]:
                """The whole body (Content-Length or chunked), or None after answering 400 for a broken one."""
                try:
                    if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                        return self._read_chunked()
                    length = int(self.headers.get("Content-Length") or 0)
                    if length < 0:
                        raise ValueError("negative Content-Length")
                    return self.rfile.read(length)
                except ValueError as error:
                    # The body's end is unknown: the connection cannot carry another request.
                    self.close_connection = True
                    self._answer(400, {"status": f"unreadable body: {error}"})
                    return None

            def _read_chunked(self) -> bytes:
                chunks: List[bytes] = []
                while True:
                    size = int(self.rfile.readline(1024).split(b";", 1)[0].strip() or b"x", 16)
                    if size == 0:
                        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline(1024)

            def _answer(self, status: int, value: Any) -> None:
                payload = json.dumps(value).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    # The proxy closes the connection when a delivery outlives its timeout; it has already
                    # replied 499 on the bus, so the late answer has nowhere to go.
                    log.info("%s %s: the proxy was gone before the answer was written", self.command, self.path)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
                log.debug("%s %s", self.address_string(), format % args)

        return Handler
