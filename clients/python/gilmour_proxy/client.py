"""The proxy's HTTP API, one method per route, and where its URL and key come from."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union, cast

from .errors import ProxyError
from .messages import DeliveryReply, Message, ReplyResult, Result

__all__ = ["ProxyClient", "proxy_url_from_environment", "DEFAULT_PROXY_URL", "MAX_BATCH_REPLIES"]

DEFAULT_PROXY_URL = "http://127.0.0.1:5080"
"""Where the app host runs the proxy's control API when nothing else is said."""

DEFAULT_REQUEST_TIMEOUT = 60.0
"""The proxy's own default when a request names no timeout."""

MAX_BATCH_REPLIES = 1000
"""The most replies the proxy takes in one POST /nodes/{id}/replies."""

ReplyLike = Union[DeliveryReply, Tuple[str, int, Any]]
"""One reply of ``reply_all``: a DeliveryReply, or its fields as a tuple (delivery id, code, data)."""


def proxy_url_from_environment(environ: Optional[Mapping[str, str]] = None) -> str:
    """The control API's URL: Aspire service discovery first, then GILMOUR_PROXY_URL, then the default.

    Aspire injects ``services__controlapi__http__0`` into a resource that references the control API.
    """
    environ = os.environ if environ is None else environ
    return (environ.get("services__controlapi__http__0")
            or environ.get("GILMOUR_PROXY_URL")
            or DEFAULT_PROXY_URL)


def loopback_as_ipv4(url: str) -> str:
    """The URL with ``localhost`` written as 127.0.0.1, and no trailing slash.

    The proxy calls a node back at the address its registration came from. "localhost" may resolve to ::1, which
    would make the proxy call [::1] while the node listens on 127.0.0.1.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.hostname == "localhost":
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts).rstrip("/")


class ProxyClient:
    """The proxy's HTTP API, one method per route. Raises ProxyError when the proxy refuses or is unreachable.

    Credentials: ``api_key`` is the operator's admin key (header ``X-Api-Key``), needed by a secured proxy to
    register and list nodes. ``register`` keeps the token the proxy issues for the new node and sends it
    (``Authorization: Bearer``) on every later call about that node; a node without a token known here is sent
    the admin key instead, which works on every route.
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, timeout: float = 10.0,
                 registration_timeout: float = 30.0):
        """timeout: seconds for a plain call. registration_timeout: seconds for registration and activation, which
        the proxy answers only after it has checked the node's health and made its subscriptions live; giving up
        earlier would make the node register twice."""
        self.base_url = loopback_as_ipv4(base_url)
        self.api_key = api_key or None
        self.timeout = timeout
        self.registration_timeout = registration_timeout
        self._tokens: Dict[str, str] = {}
        self._tokens_lock = threading.Lock()

    # -- credentials -----------------------------------------------------------------------------------------------

    def token(self, node_id: str) -> Optional[str]:
        """The token the proxy issued for ``node_id`` (None when it issued none, or the node was not registered
        through this client)."""
        with self._tokens_lock:
            return self._tokens.get(node_id)

    def use_token(self, node_id: str, token: str) -> None:
        """Calls about ``node_id`` carry this token from now on (a node registered by another process)."""
        with self._tokens_lock:
            self._tokens[node_id] = token

    def headers(self, node_id: Optional[str] = None, as_admin: bool = False) -> Dict[str, str]:
        """The credential headers of a call about ``node_id`` (or about no node: registering, listing)."""
        token = None if as_admin or node_id is None else self.token(node_id)
        if token:
            return {"Authorization": f"Bearer {token}"}
        return {"X-Api-Key": self.api_key} if self.api_key else {}

    # -- nodes -----------------------------------------------------------------------------------------------------

    def register(self, transport: str = "callback", port: Optional[int] = None, health_check: Optional[str] = None,
                 services: Sequence[Mapping[str, Any]] = (), slots: Sequence[Mapping[str, Any]] = (),
                 host: Optional[str] = None, max_concurrency: Optional[int] = None) -> Dict[str, Any]:
        """POST /nodes. Returns ``{id, status, token}``: a callback node once the proxy has checked its health and
        subscribed (status ok); a stream node at once (status unavailable until its stream opens); a send-only
        (``"none"``) node at once with status ok."""
        body: Dict[str, Any] = {}
        # Callback is the default: leaving it out keeps the body one that proxies without transports accept.
        if transport != "callback":
            body["transport"] = transport
        for key, value in (("port", port), ("health_check", health_check), ("host", host),
                           ("max_concurrency", max_concurrency)):
            if value is not None:
                body[key] = value
        if services:
            body["services"] = list(services)
        if slots:
            body["slots"] = list(slots)
        answer = self._call("POST", "/nodes", body, timeout=self.registration_timeout)
        token = answer.get("token")
        if isinstance(token, str) and token:
            self.use_token(str(answer["id"]), token)
        return answer

    def nodes(self) -> List[Dict[str, Any]]:
        """GET /nodes: every registered node (a secured proxy wants the admin key)."""
        return list(self._call("GET", "/nodes").get("nodes", []))

    def node(self, node_id: str, as_admin: bool = False) -> Dict[str, Any]:
        """GET /nodes/{id}: the node as the proxy sees it, with its ``status`` (ok, unavailable, dirty).
        as_admin: ask with the admin key rather than the node's token (a secured proxy answers an unknown node's
        token with 401; only the admin key learns that the node is gone)."""
        return self._call("GET", f"/nodes/{_quote(node_id)}", as_admin=as_admin, node_id=node_id)

    def activate(self, node_id: str) -> Dict[str, Any]:
        """POST /nodes/{id}/activate: health pre-check again and restore the node's subscriptions."""
        return self._call("POST", f"/nodes/{_quote(node_id)}/activate", None, self.registration_timeout,
                          node_id=node_id)

    def deregister(self, node_id: str) -> None:
        """DELETE /nodes/{id}: in-flight deliveries finish, then the node is gone (and so is its token)."""
        self._call("DELETE", f"/nodes/{_quote(node_id)}", node_id=node_id)
        with self._tokens_lock:
            self._tokens.pop(node_id, None)

    def services(self, node_id: str) -> List[Dict[str, Any]]:
        """GET /nodes/{id}/services."""
        return list(self._call("GET", f"/nodes/{_quote(node_id)}/services", node_id=node_id).get("services", []))

    def add_service(self, node_id: str, topic: str, path: str, group: Optional[str] = None,
                    timeout: Optional[int] = None) -> None:
        """POST /nodes/{id}/services: answered once the new subscription is live."""
        self._call("POST", f"/nodes/{_quote(node_id)}/services", _subscription(topic, path, group, timeout),
                   self.registration_timeout, node_id=node_id)

    def remove_services(self, node_id: str, topic: str, path: Optional[str] = None) -> None:
        """DELETE /nodes/{id}/services?topic=&path=: the node's services on ``topic`` (at ``path`` only, if given)."""
        self._call("DELETE", f"/nodes/{_quote(node_id)}/services?{_query(topic, path)}", node_id=node_id)

    def slots(self, node_id: str) -> List[Dict[str, Any]]:
        """GET /nodes/{id}/slots."""
        return list(self._call("GET", f"/nodes/{_quote(node_id)}/slots", node_id=node_id).get("slots", []))

    def add_slot(self, node_id: str, topic: str, path: str, group: Optional[str] = None,
                 timeout: Optional[int] = None) -> None:
        """POST /nodes/{id}/slots: answered once the new subscription is live."""
        self._call("POST", f"/nodes/{_quote(node_id)}/slots", _subscription(topic, path, group, timeout),
                   self.registration_timeout, node_id=node_id)

    def remove_slots(self, node_id: str, topic: str, path: Optional[str] = None) -> None:
        """DELETE /nodes/{id}/slots?topic=&path=."""
        self._call("DELETE", f"/nodes/{_quote(node_id)}/slots?{_query(topic, path)}", node_id=node_id)

    # -- publishing ------------------------------------------------------------------------------------------------

    def request(self, node_id: str, topic: str, message: Any, timeout: Optional[float] = None) -> Result:
        """POST /request/{id} with a topic: waits for the reply (or the timeout, code 499)."""
        return self._publish(node_id, {"topic": topic, "message": message}, timeout)

    def compose(self, node_id: str, composition: Mapping[str, Any], message: Any,
                timeout: Optional[float] = None) -> Result:
        """POST /request/{id} with a composition such as ``{"pipe": [{"topic": "a"}, {"topic": "b"}]}``."""
        return self._publish(node_id, {"composition": composition, "message": message}, timeout)

    def signal(self, node_id: str, topic: str, message: Any) -> str:
        """POST /signal/{id}: emits the signal and returns its sender id."""
        answer = self._call("POST", f"/signal/{_quote(node_id)}", {"topic": topic, "message": message},
                            node_id=node_id)
        return str(answer.get("sender", ""))

    # -- the stream transport --------------------------------------------------------------------------------------

    def reply(self, node_id: str, delivery_id: str, code: int, data: Any) -> None:
        """POST /nodes/{id}/replies/{delivery}: a stream node's answer to one request. 404: the proxy never sent
        that id to this node or it was answered already; 410: the request ended first (it timed out and the requester
        got 499, or the stream closed and it got 502)."""
        self._call("POST", f"/nodes/{_quote(node_id)}/replies/{_quote(delivery_id)}", {"code": code, "data": data},
                   node_id=node_id)

    def reply_all(self, node_id: str, replies: Sequence[ReplyLike]) -> List[ReplyResult]:
        """POST /nodes/{id}/replies: several of a stream node's answers in one call, so that a busy node pays for one
        HTTP request per batch rather than one per reply. Each reply is taken or refused on its own, as by
        ``reply``; the answer is one ReplyResult per reply, in the order given (status 200, 404 or 410).

        The proxy refuses the whole batch, taking none of it, with ProxyError 400 when the list is empty, holds more
        than MAX_BATCH_REPLIES, or one reply is malformed (a code outside 200..599, say); 413 when the body is over
        its size limit; 503 when it cannot reach Redis."""
        body = {"replies": [_reply_item(reply) for reply in replies]}
        answer = self._call("POST", f"/nodes/{_quote(node_id)}/replies", body, node_id=node_id)
        results: Any = answer.get("results")
        if not isinstance(results, list):
            return []
        return [_reply_result(cast(Dict[str, Any], result))
                for result in cast(List[Any], results) if isinstance(result, dict)]

    def stream_url(self, node_id: str) -> str:
        """GET /nodes/{id}/stream, the Server-Sent Events a stream node reads its deliveries from."""
        return f"{self.base_url}/nodes/{_quote(node_id)}/stream"

    # -- plumbing --------------------------------------------------------------------------------------------------

    def _publish(self, node_id: str, body: Dict[str, Any], timeout: Optional[float]) -> Result:
        if timeout is not None:
            body["timeout"] = timeout
        # The proxy holds the HTTP call open until the reply comes: wait a little longer than the request may take.
        wait = (timeout if timeout is not None else DEFAULT_REQUEST_TIMEOUT) + self.timeout
        answer = self._call("POST", f"/request/{_quote(node_id)}", body, wait, result_expected=True,
                            node_id=node_id)
        messages = [Message(m.get("data"), int(m.get("code") or 0)) for m in answer.get("messages", [])]
        return Result(messages, int(answer.get("code") or 0))

    def _call(self, method: str, path: str, body: Any = None, timeout: Optional[float] = None,
              result_expected: bool = False, node_id: Optional[str] = None, as_admin: bool = False) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in self.headers(node_id, as_admin).items():
            request.add_header(name, value)
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


def _query(topic: str, path: Optional[str]) -> str:
    return urllib.parse.urlencode({"topic": topic, **({"path": path} if path is not None else {})})


def _subscription(topic: str, path: str, group: Optional[str], timeout: Optional[int]) -> Dict[str, Any]:
    entry: Dict[str, Any] = {"topic": topic, "path": path}
    if group is not None:
        entry["group"] = group
    if timeout is not None:
        entry["timeout"] = timeout
    return entry


def _reply_item(reply: ReplyLike) -> Dict[str, Any]:
    if not isinstance(reply, DeliveryReply):
        reply = DeliveryReply(*reply)
    return {"id": reply.id, "code": reply.code, "data": reply.data}


def _reply_result(result: Dict[str, Any]) -> ReplyResult:
    error = result.get("error")
    return ReplyResult(str(result.get("id", "")), int(result.get("status") or 0), None if error is None else str(error))


def _json_object(raw: bytes) -> Dict[str, Any]:
    try:
        value: Any = json.loads(raw) if raw else {}
    except ValueError:
        return {"status": raw.decode(errors="replace")}
    return cast(Dict[str, Any], value) if isinstance(value, dict) else {"status": value}
