"""The services and slots a node declares, and how a handler's outcome becomes a reply."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from .messages import Delivery, Reply

log = logging.getLogger("gilmour_proxy")

Handler = Callable[[Delivery], Any]

DEFAULT_GROUP = "_default"
"""The exclusion group the Go and Ruby libraries give a service that names none."""

SERVICE = "service"
SLOT = "slot"


@dataclass(frozen=True)
class Route:
    """One subscription: a service (requests, one reply each) or a slot (signals, no reply)."""

    kind: str
    topic: str
    path: str
    handler: Handler
    group: Optional[str] = None
    timeout: Optional[int] = None

    def subscription(self) -> Dict[str, Any]:
        """The subscription as POST /nodes takes it."""
        entry: Dict[str, Any] = {"topic": self.topic, "path": self.path}
        if self.group is not None:
            entry["group"] = self.group
        if self.timeout is not None:
            entry["timeout"] = self.timeout
        return entry

    def answer(self, delivery: Delivery) -> Tuple[int, Any]:
        """Runs the handler: a service's (code, data), a slot's (200, {}). A handler that raises, or returns what
        JSON cannot hold, gives code 500 and the reason, so one bad message never takes the node down."""
        try:
            outcome = self.handler(delivery)
        except Exception as error:
            log.exception("%s %s failed", self.kind, self.topic)
            return 500, {"error": str(error)}
        if self.kind == SLOT:
            return 200, {}
        code, data = (outcome.code, outcome.data) if isinstance(outcome, Reply) else (200, outcome)
        try:
            json.dumps(data)
        except (TypeError, ValueError) as error:
            log.error("service %s answered a value JSON cannot hold: %s", self.topic, error)
            return 500, {"error": f"the service's answer is not JSON: {error}"}
        return code, data


class Routes:
    """The node's subscriptions by path (the proxy names the path it delivers to)."""

    def __init__(self) -> None:
        self._by_path: Dict[str, Route] = {}

    def add(self, route: Route) -> None:
        if route.path in self._by_path:
            raise ValueError(f"path {route.path} is already used")
        self._by_path[route.path] = route

    def get(self, path: str) -> Optional[Route]:
        return self._by_path.get(path)

    def subscriptions(self, kind: str) -> List[Dict[str, Any]]:
        return [route.subscription() for route in self if route.kind == kind]

    def __contains__(self, path: object) -> bool:
        return path in self._by_path

    def __iter__(self) -> Iterator[Route]:
        return iter(list(self._by_path.values()))

    def __len__(self) -> int:
        return len(self._by_path)


def default_path(kind: str, topic: str) -> str:
    """``/services/<topic>`` or ``/slots/<topic>``, a wildcard written ``_any``."""
    return f"/{kind}s/{topic.replace('*', '_any')}"
