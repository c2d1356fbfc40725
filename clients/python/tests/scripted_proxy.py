"""A stand-in for the proxy's stream routes, driven by the test, for what the real proxy cannot be made to do on
demand: fall silent in the middle of a stream, refuse it a few times, close it for a chosen reason.

It serves, on loopback: POST /nodes (ids node-1, node-2, ... with tokens token-1, ...), GET /nodes/{id}/stream
(each accepted stream is handed to the test as a ScriptedStream), POST /nodes/{id}/replies/{delivery} and
POST /nodes/{id}/replies (each reply recorded alike, each batch also as a whole; a batch can be held open, refused
whole, or have chosen replies refused) and DELETE /nodes/{id} (recorded).
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from .support import PATIENCE


@dataclass(frozen=True)
class RecordedReply:
    node_id: str
    delivery_id: str
    body: Dict[str, Any]
    """``{"code", "data"}`` as posted (a batch's item without its ``id``)."""
    authorization: Optional[str]


@dataclass(frozen=True)
class RecordedBatch:
    """One POST /nodes/{id}/replies as it arrived, and the status the script answered it with."""

    node_id: str
    replies: List[RecordedReply]
    status: int

    @property
    def delivery_ids(self) -> List[str]:
        return [reply.delivery_id for reply in self.replies]


class ScriptedStream:
    """One open stream: what the test writes goes out as Server-Sent Events, one chunk each."""

    def __init__(self, node_id: str, authorization: Optional[str]):
        self.node_id = node_id
        self.authorization = authorization
        self._outbox: "queue.Queue[Optional[bytes]]" = queue.Queue()

    def event(self, name: str, data: Any) -> None:
        self._outbox.put(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())

    def ready(self) -> None:
        self.event("ready", {"id": self.node_id})

    def keepalive(self) -> None:
        self._outbox.put(b": keepalive\n\n")

    def close(self, reason: str) -> None:
        self.event("close", {"reason": reason})
        self.end()

    def end(self) -> None:
        self._outbox.put(None)

    def next_chunk(self) -> Optional[bytes]:
        return self._outbox.get()


class ScriptedProxy:
    def __init__(self) -> None:
        self.streams: "queue.Queue[ScriptedStream]" = queue.Queue()
        self.replies: "queue.Queue[RecordedReply]" = queue.Queue()
        """Every reply posted, singly or in a batch the script did not refuse whole, in arrival order."""
        self.batches: "queue.Queue[RecordedBatch]" = queue.Queue()
        """Every POST /nodes/{id}/replies, refused or not."""
        self.batch_refusals: "queue.Queue[int]" = queue.Queue()
        """Statuses to refuse the next batches with, whole, in turn."""
        self.reply_results: Dict[str, Tuple[int, str]] = {}
        """Delivery id -> (status, error) to answer for that reply inside a batch; any other is taken (200)."""
        self._held: Optional[threading.Event] = None
        self.refusals: "queue.Queue[int]" = queue.Queue()
        """Statuses to answer the next stream requests with, in turn, before accepting one."""
        self.registrations: List[Dict[str, Any]] = []
        self.deletions: List[str] = []
        self.stream_requests = 0
        self._open: List[ScriptedStream] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def next_stream(self, within: float = PATIENCE) -> ScriptedStream:
        try:
            return self.streams.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no stream was opened within {within:.0f} s") from None

    def next_reply(self, within: float = PATIENCE) -> RecordedReply:
        try:
            return self.replies.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no reply came within {within:.0f} s") from None

    def next_batch(self, within: float = PATIENCE) -> RecordedBatch:
        try:
            return self.batches.get(timeout=within)
        except queue.Empty:
            raise AssertionError(f"no batch of replies came within {within:.0f} s") from None

    def hold_next_batch(self) -> threading.Event:
        """The next batch is recorded when it arrives but answered only once the returned Event is set (or after
        PATIENCE), as a proxy busy with it would: replies that become ready meanwhile must wait for it."""
        held = threading.Event()
        with self._lock:
            self._held = held
        return held

    def stop(self) -> None:
        with self._lock:
            held, self._held = self._held, None
            for stream in self._open:
                stream.end()
        if held is not None:
            held.set()
        self._server.shutdown()
        self._server.server_close()

    def _register(self, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        with self._lock:
            self.registrations.append(body)
            n = len(self.registrations)
        return 201, {"id": f"node-{n}", "status": "unavailable", "token": f"token-{n}"}

    def _reply_batch(self, node_id: str, body: Dict[str, Any],
                     authorization: Optional[str]) -> Tuple[int, Dict[str, Any]]:
        replies = [RecordedReply(node_id, str(item["id"]), {k: v for k, v in item.items() if k != "id"},
                                 authorization) for item in body["replies"]]
        try:
            refusal: Optional[int] = self.batch_refusals.get_nowait()
        except queue.Empty:
            refusal = None
        self.batches.put(RecordedBatch(node_id, replies, refusal or 200))
        if refusal is not None:
            return refusal, {"status": f"refused with {refusal} by the script"}
        with self._lock:
            held, self._held = self._held, None
        for reply in replies:
            self.replies.put(reply)
        if held is not None:
            held.wait(PATIENCE)
        return 200, {"results": [self._result(reply.delivery_id) for reply in replies]}

    def _result(self, delivery_id: str) -> Dict[str, Any]:
        status, error = self.reply_results.get(delivery_id, (200, ""))
        return {"id": delivery_id, "status": status, **({"error": error} if status != 200 else {})}

    def _handler_class(self) -> type:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                parts = self.path.strip("/").split("/")
                if parts == ["nodes"]:
                    self._answer(*proxy._register(body))
                elif len(parts) == 4 and parts[0] == "nodes" and parts[2] == "replies":
                    proxy.replies.put(RecordedReply(parts[1], parts[3], body, self.headers.get("Authorization")))
                    self._answer(200, {"status": "ok"})
                elif len(parts) == 3 and parts[0] == "nodes" and parts[2] == "replies":
                    self._answer(*proxy._reply_batch(parts[1], body, self.headers.get("Authorization")))
                else:
                    self._answer(404, {"status": "no such route"})

            def do_DELETE(self) -> None:  # noqa: N802
                proxy.deletions.append(self.path.strip("/").split("/")[1])
                self._answer(200, {"status": "ok"})

            def do_GET(self) -> None:  # noqa: N802
                parts = self.path.strip("/").split("/")
                if len(parts) != 3 or parts[2] != "stream":
                    self._answer(404, {"status": "no such route"})
                    return
                with proxy._lock:
                    proxy.stream_requests += 1
                try:
                    refusal = proxy.refusals.get_nowait()
                except queue.Empty:
                    refusal = None
                if refusal is not None:
                    self._answer(refusal, {"status": f"refused with {refusal} by the script"})
                    return
                stream = ScriptedStream(parts[1], self.headers.get("Authorization"))
                with proxy._lock:
                    proxy._open.append(stream)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                proxy.streams.put(stream)
                try:
                    while True:
                        chunk = stream.next_chunk()
                        if chunk is None:
                            self.wfile.write(b"0\r\n\r\n")
                            break
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.flush()
                except OSError:
                    pass  # the client went away
                self.close_connection = True

            def _answer(self, status: int, value: Any) -> None:
                payload = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
