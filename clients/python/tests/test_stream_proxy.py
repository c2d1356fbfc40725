"""The stream transport against the real proxy: the node dials out, reads deliveries, posts replies."""

from __future__ import annotations

import unittest
from typing import List

from gilmour_proxy import Delivery, Node, ProxyClient

from .support import (eventually, needs_open_proxy, needs_secured_proxy, open_proxy, secured_proxy,
                      status_of, unique)


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
        # The harness sets the heartbeat to one second.
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

    @needs_secured_proxy
    def test_a_secured_stream_node_streams_and_replies_with_its_token(self) -> None:
        topic = unique("py.stream.secured")
        node = self.stream_node(secured_proxy(), topic)
        assert node.node_id

        self.assertIn("Authorization", node.proxy.headers(node.node_id))
        self.assertEqual(200, node.request(topic, None, timeout=10).code)


if __name__ == "__main__":
    unittest.main()
