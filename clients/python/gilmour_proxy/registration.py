"""Staying registered: register until the proxy accepts, register again when it forgot the node."""

from __future__ import annotations

import logging
import threading
from http import HTTPStatus
from typing import Any, Callable, Dict, Optional, TypeVar

from .client import ProxyClient
from .errors import ProxyError

log = logging.getLogger("gilmour_proxy")

T = TypeVar("T")

FIRST_RETRY_DELAY = 0.2
LAST_RETRY_DELAY = 5.0


class Registration:
    """One node's registration with the proxy: its id, and the ways back when the proxy no longer takes it.

    register: POSTs the node's registration and returns the answer (``{id, status, token}``).
    restore: what to do when the proxy holds the node as not ok (503 on a publish): a callback node asks for
    activation, a stream node waits for its stream; None when nothing can be done.
    """

    def __init__(self, proxy: ProxyClient, register: Callable[[], Dict[str, Any]], stopping: threading.Event,
                 restore: Optional[Callable[[str], None]] = None):
        self._proxy = proxy
        self._register = register
        self._stopping = stopping
        self._restore = restore
        self._node_id: Optional[str] = None
        # Reentrant: recovering holds it across a new registration, so that two threads that both learn the node is
        # unknown register it once.
        self._lock = threading.RLock()

    @property
    def node_id(self) -> Optional[str]:
        return self._node_id

    def forget(self) -> Optional[str]:
        """Drops the id (after deregistering) and returns it; a later call registers anew."""
        with self._lock:
            node_id, self._node_id = self._node_id, None
            return node_id

    def ensure(self) -> str:
        """The node's id, registering first if it has none."""
        node_id = self._node_id
        return node_id if node_id else self.register_until_accepted()

    def register_until_accepted(self) -> str:
        """Registers, retrying with a growing delay while the proxy is unreachable or answers 5xx (it may be
        starting, or cannot reach Redis yet). Any other refusal is a mistake in the node's declarations and raises:
        retrying would not fix it."""
        delay = FIRST_RETRY_DELAY
        while True:
            if self._stopping.is_set():
                raise ProxyError(0, "the node is stopped")
            try:
                with self._lock:
                    answer = self._register()
                    self._node_id = str(answer["id"])
                log.info("registered with the proxy at %s as node %s (status %s)",
                         self._proxy.base_url, answer["id"], answer.get("status"))
                return self._node_id
            except ProxyError as error:
                if not error.retryable:
                    raise
                log.info("registration not accepted yet (%s); retrying in %.1f s", error, delay)
            self._stopping.wait(delay)
            delay = min(delay * 2, LAST_RETRY_DELAY)

    def as_known_node(self, call: Callable[[str], T]) -> T:
        """Runs ``call(node_id)``; when the proxy forgot the node or holds it as not ok, brings the registration
        back once and runs the call again."""
        node_id = self.ensure()
        try:
            return call(node_id)
        except ProxyError as error:
            if not self.recover(node_id, error):
                raise
        return call(self._node_id or node_id)

    def recover(self, node_id: str, error: ProxyError) -> bool:
        """Brings the registration back after ``error`` on a call about ``node_id``. Returns False when the error
        is of a kind that registering or activating again would not mend."""
        if self.forgotten(node_id, error):
            with self._lock:
                if self._node_id != node_id:
                    return True  # another thread registered again meanwhile
                log.info("the proxy no longer knows node %s; registering again", node_id)
                self.register_until_accepted()
            return True
        if error.status == HTTPStatus.SERVICE_UNAVAILABLE and self._restore is not None:
            log.info("the proxy holds node %s as not ok; restoring it", node_id)
            self._restore(node_id)
            return True
        return False

    def forgotten(self, node_id: str, error: ProxyError) -> bool:
        """Whether ``error`` means the proxy no longer knows ``node_id``.

        An open proxy says so with 404. A secured one answers an unknown node's token with 401, as it answers any
        bad token: only the admin key, when this node has it, can learn that the node is gone.
        """
        if error.status == HTTPStatus.NOT_FOUND:
            return True
        if error.status != HTTPStatus.UNAUTHORIZED or not self._proxy.api_key or not self._proxy.token(node_id):
            return False
        try:
            self._proxy.node(node_id, as_admin=True)
        except ProxyError as probe:
            return probe.status == HTTPStatus.NOT_FOUND
        return False
