"""A stream node's replies on their way to the proxy: in batches, with at most one POST in flight."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Deque, List, Optional, Sequence

from .client import MAX_BATCH_REPLIES, ProxyClient
from .errors import ProxyError
from .messages import DeliveryReply, ReplyResult

log = logging.getLogger("gilmour_proxy")

NOT_TAKEN = (HTTPStatus.NOT_FOUND, HTTPStatus.GONE)
"""A reply's statuses that are the request's fate, not a fault: it was answered already, or it ended first."""

SPLIT_ON = (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
"""Whole-batch refusals that one reply, or the batch's sheer size, can cause: the halves may well be taken."""


@dataclass(frozen=True)
class QueuedReply:
    """A reply waiting for its POST, with what its log lines name."""

    node_id: str
    reply: DeliveryReply
    topic: str


class ReplySender:
    """Posts a stream node's replies to ``POST /nodes/{id}/replies``, never more than one POST at a time.

    A reply that is ready while nothing is in flight goes at once, alone, so an idle node answers as fast as with
    one POST per reply. Replies that become ready while a POST is in flight wait for it, and all of them (up to
    MAX_BATCH_REPLIES) go in the next POST as soon as it returns: the busier the node, the more replies each HTTP
    call carries, with no timer deciding when a batch is full.

    There is no thread of its own: the handler thread that finds nothing in flight becomes the sender and posts
    until the queue is empty, while the other handler threads only queue their replies and move on.
    """

    def __init__(self, proxy: ProxyClient):
        self._proxy = proxy
        self._queue: Deque[QueuedReply] = deque()
        self._sending = False
        self._state = threading.Condition()

    @property
    def queued(self) -> int:
        """Replies waiting for the POST in flight to return."""
        with self._state:
            return len(self._queue)

    def send(self, node_id: str, reply: DeliveryReply, topic: str) -> None:
        """Queues the reply; posts it (and whatever queues up meanwhile) when no other thread is posting. Never
        raises: what the proxy refuses is logged."""
        with self._state:
            self._queue.append(QueuedReply(node_id, reply, topic))
            if self._sending:
                return
            self._sending = True
        self._post_until_empty()

    def wait_idle(self, timeout: Optional[float]) -> bool:
        """Waits until every reply handed to ``send`` has been posted; False when some are still on their way after
        ``timeout`` seconds."""
        with self._state:
            return self._state.wait_for(lambda: not self._sending, timeout)

    def _post_until_empty(self) -> None:
        while True:
            with self._state:
                batch = self._take()
                if not batch:
                    # Cleared under the lock send() queues under: a reply queued after this check finds no sender
                    # and posts itself; one queued before it was taken here.
                    self._sending = False
                    self._state.notify_all()
                    return
            self._post(batch)

    def _take(self) -> List[QueuedReply]:
        """The oldest replies, up to the batch limit, all for one node id: replies queued before the node registered
        again still go to the id their requests came to."""
        batch: List[QueuedReply] = []
        node_id = self._queue[0].node_id if self._queue else None
        while self._queue and len(batch) < MAX_BATCH_REPLIES and self._queue[0].node_id == node_id:
            batch.append(self._queue.popleft())
        return batch

    def _post(self, batch: Sequence[QueuedReply]) -> None:
        """Posts one batch and logs what became of each reply. Never raises: a sender that died would leave every
        later reply queued."""
        try:
            results = self._proxy.reply_all(batch[0].node_id, [queued.reply for queued in batch])
        except ProxyError as error:
            if len(batch) > 1 and error.status in SPLIT_ON:
                # The proxy takes none of a batch it refuses whole: halving finds the one reply it cannot take (or a
                # size it accepts) so that the others still reach their requesters.
                middle = len(batch) // 2
                self._post(batch[:middle])
                self._post(batch[middle:])
                return
            _log_failure(batch, error)
            return
        except Exception as error:  # noqa: BLE001 (an answer cut short, say: whatever broke, the sender lives on)
            _log_failure(batch, error)
            return
        _log_results(batch, results)


def _log_results(batch: Sequence[QueuedReply], results: Sequence[ReplyResult]) -> None:
    for queued, result in zip(batch, results):
        if result.taken:
            continue
        if result.status in NOT_TAKEN:
            # Answered already, or the requester already got 499 (or 502): the answer came too late.
            log.info("reply to %s on %s not taken (%d: %s)", queued.reply.id, queued.topic, result.status,
                     result.error)
        else:
            log.warning("could not reply to %s on %s: %d: %s", queued.reply.id, queued.topic, result.status,
                        result.error)
    for queued in batch[len(results):]:
        log.warning("could not reply to %s on %s: the proxy's answer does not mention it", queued.reply.id,
                    queued.topic)


def _log_failure(batch: Sequence[QueuedReply], error: Exception) -> None:
    for queued in batch:
        log.warning("could not reply to %s on %s: %s", queued.reply.id, queued.topic, error)
