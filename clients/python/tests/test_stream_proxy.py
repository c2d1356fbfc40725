"""The stream transport against the real proxy: the node dials out, reads deliveries, posts replies."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import unittest
import urllib.parse
import uuid
from typing import Any, Dict, List

from gilmour_proxy import Delivery, DeliveryReply, Node, ProxyClient, ProxyError, Result
from gilmour_proxy.events import EventParser, ServerSentEvent

from .support import (PATIENCE, eventually, needs_open_proxy, needs_secured_proxy, open_proxy, secured_proxy,
                      status_of, unique)


class ReadStream:
    """A node's stream opened and read by hand: a Node answers its deliveries itself, but a test of ``reply_all``
    needs a delivery id nobody has answered yet."""

    def __init__(self, proxy: ProxyClient, node_id: str):
        parts = urllib.parse.urlsplit(proxy.base_url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(parts.hostname or "127.0.0.1", parts.port, timeout=PATIENCE)
        self._connection.request("GET", urllib.parse.urlsplit(proxy.stream_url(node_id)).path,
                                 headers={"Accept": "text/event-stream", **proxy.headers(node_id)})
        self._response = self._connection.getresponse()
        if self._response.status != 200:
            raise AssertionError(f"stream refused: {self._response.status} {self._response.read()!r}")
        self._parser = EventParser()

    def next(self, name: str) -> Dict[str, Any]:
        """The data of the next event called ``name`` (keepalives and other events are skipped)."""
        while True:
            raw = self._response.readline()
            if not raw:
                raise AssertionError(f"the stream ended before a {name} event")
            item = self._parser.line(raw.decode("utf-8"))
            if isinstance(item, ServerSentEvent) and item.event == name:
                return dict(json.loads(item.data))

    def close(self) -> None:
        self._connection.close()


class StreamNodeTests(unittest.TestCase):
    def stream_node(self, proxy: ProxyClient, topic: str, slot_prefix: str = "") -> Node:
        self.signals: List[Delivery] = []
        node = Node(proxy, transport="stream")
        node.service(topic)(lambda delivery: {"streamed": delivery.data})
        if slot_prefix:
            node.slot(slot_prefix + ".*")(self.signals.append)
        node.start()
        self.addCleanup(node.stop)
        return node

    @needs_open_proxy
    def test_a_stream_node_answers_requests_and_gets_signals(self) -> None:
        topic, prefix = unique("py.stream"), unique("py.stream.events")
        node = self.stream_node(open_proxy(), topic, prefix)
        assert node.node_id

        result = node.request(topic, 5, timeout=10)
        node.signal(prefix + ".one", "s")

        self.assertEqual((200, {"streamed": 5}), (result.code, result.data))
        delivery = eventually(lambda: self.signals[0] if self.signals else None, lambda: "the slot got nothing")
        self.assertEqual((prefix + ".one", "s"), (delivery.topic, delivery.data))
        seen = open_proxy().node(node.node_id)
        self.assertEqual(("ok", "stream"), (seen["status"], seen.get("transport")))

    @needs_open_proxy
    def test_keepalives_arrive_on_a_quiet_stream(self) -> None:
        node = self.stream_node(open_proxy(), unique("py.stream.quiet"))
        # The harness sets the heartbeat to five seconds.
        eventually(lambda: node.stream.keepalives >= 2, lambda: f"{node.stream.keepalives} keepalives")
        self.assertEqual(1, node.stream.opened)

    @needs_open_proxy
    def test_a_lost_stream_is_opened_again_and_the_node_serves_again(self) -> None:
        topic = unique("py.stream.lost")
        node = self.stream_node(open_proxy(), topic)

        node.stream._interrupt()

        eventually(lambda: node.stream.opened == 2, lambda: f"opened {node.stream.opened}")
        self.assertEqual(200, node.request(topic, None, timeout=10).code)

    @needs_open_proxy
    def test_a_deleted_stream_node_registers_again(self) -> None:
        topic = unique("py.stream.deleted")
        node = self.stream_node(open_proxy(), topic)
        forgotten = node.node_id
        assert forgotten
        open_proxy().deregister(forgotten)

        current = eventually(lambda: node.node_id if node.node_id != forgotten else None,
                             lambda: f"the node still holds {node.node_id}")
        eventually(lambda: status_of(open_proxy(), current) == "ok", lambda: f"{current} is not ok")
        self.assertEqual(200, node.request(topic, None, timeout=10).code)

    @needs_open_proxy
    def test_stop_deregisters_a_stream_node(self) -> None:
        node = self.stream_node(open_proxy(), unique("py.stream.stop"))
        node_id = node.node_id
        assert node_id

        node.stop()

        self.assertIsNone(status_of(open_proxy(), node_id))

    @needs_open_proxy
    def test_reply_all_takes_a_pending_delivery_and_refuses_an_unknown_id_in_order(self) -> None:
        proxy, topic = open_proxy(), unique("py.stream.batch")
        node_id = str(proxy.register("stream", services=[{"topic": topic, "group": "batch", "path": "/services/batch"}])["id"])
        self.addCleanup(_forget, proxy, node_id)
        stream = ReadStream(proxy, node_id)
        self.addCleanup(stream.close)
        stream.next("ready")
        answers: List[Result] = []
        requester = threading.Thread(target=lambda: answers.append(proxy.request(node_id, topic, 7, timeout=10)),
                                     daemon=True)
        requester.start()
        delivery = stream.next("request")
        unknown = uuid.uuid4().hex  # well formed, but the proxy never issued it

        results = proxy.reply_all(node_id, [DeliveryReply(str(delivery["id"]), 200, {"batched": delivery["data"]}),
                                            (unknown, 200, None)])
        requester.join(PATIENCE)

        self.assertEqual([(delivery["id"], 200), (unknown, 404)], [(r.id, r.status) for r in results])
        self.assertIsNone(results[0].error)
        self.assertTrue(results[1].error)
        self.assertEqual([(200, {"batched": 7})], [(a.code, a.data) for a in answers])

    @needs_secured_proxy
    def test_a_secured_stream_node_streams_and_replies_with_its_token(self) -> None:
        topic = unique("py.stream.secured")
        node = self.stream_node(secured_proxy(), topic)
        assert node.node_id

        self.assertIn("Authorization", node.proxy.headers(node.node_id))
        self.assertEqual(200, node.request(topic, None, timeout=10).code)


def _forget(proxy: ProxyClient, node_id: str) -> None:
    """Deregisters a node a test registered by hand; gone already is fine."""
    with contextlib.suppress(ProxyError):
        proxy.deregister(node_id)


if __name__ == "__main__":
    unittest.main()
