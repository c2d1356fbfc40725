"""What travels between a node and the proxy: deliveries in, replies and results out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional


@dataclass(frozen=True)
class Delivery:
    """One request or signal the proxy delivered to this node.

    topic: the topic the sender published to (the concrete one, also for a wildcard slot).
    sender: the Gilmour sender id of the request or signal.
    data: the message, any JSON value.
    timeout: seconds the proxy waits for a service's answer (None for a signal on the stream).
    path: the subscription's path, which tells apart two subscriptions of one topic.
    """

    topic: str
    sender: str
    data: Any
    timeout: Optional[float] = None
    path: Optional[str] = None


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

    messages: List[Message]
    code: int

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def data(self) -> Any:
        """The first result's data: the answer of a plain request."""
        return self.messages[0].data if self.messages else None
