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


@dataclass(frozen=True)
class DeliveryReply:
    """A stream node's answer to one request event, as ``ProxyClient.reply_all`` posts it.

    id: the request event's ``id`` (the delivery id the proxy issued).
    code: the Gilmour code the requester gets (200..599).
    data: the reply's data, any JSON value.
    """

    id: str
    code: int = 200
    data: Any = None


@dataclass(frozen=True)
class ReplyResult:
    """What the proxy did with one reply of a batch.

    status: 200 taken (handed to the requester); 404 the proxy never sent this id to this node, or it was answered
    already; 410 the request ended first (it timed out and its requester got 499, or the stream closed and it got
    502).
    error: the proxy's reason when the reply was not taken.
    """

    id: str
    status: int
    error: Optional[str] = None

    @property
    def taken(self) -> bool:
        return self.status == 200
