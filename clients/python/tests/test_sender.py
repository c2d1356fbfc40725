"""Send-only use: a node of transport none, which serves nothing, against the real proxy."""

from __future__ import annotations

import unittest

from gilmour_proxy import Node, ProxyClient, ProxyError, Sender

from .support import needs_open_proxy, needs_secured_proxy, open_proxy, secured_proxy, status_of, unique


class SenderTests(unittest.TestCase):
    def serving(self, proxy: ProxyClient, topic: str) -> Node:
        node = Node(proxy)
        node.service(topic)(lambda delivery: {"answered": delivery.data})
        node.start()
        self.addCleanup(node.stop)
        return node

    @needs_open_proxy
    def test_a_sender_requests_and_signals_without_serving_anything(self) -> None:
        topic = unique("py.sent")
        self.serving(open_proxy(), topic)
        sender = Sender(open_proxy())
        self.addCleanup(sender.close)

        result = sender.request(topic, 7, timeout=10)
        signal_sender = sender.signal(unique("py.nobody.listens"), {"x": 1})

        assert sender.node_id
        seen = open_proxy().node(sender.node_id)
        self.assertEqual((200, {"answered": 7}), (result.code, result.data))
        self.assertTrue(signal_sender)
        self.assertEqual(("ok", "none"), (seen["status"], seen.get("transport")))

    @needs_open_proxy
    def test_a_closed_sender_is_deregistered_and_refuses_to_send(self) -> None:
        with Sender(open_proxy()) as sender:
            node_id = sender.open()
        self.assertIsNone(status_of(open_proxy(), node_id))
        with self.assertRaises(ProxyError):
            sender.request("py.after.close")

    @needs_open_proxy
    def test_a_sender_the_proxy_forgot_registers_again(self) -> None:
        topic = unique("py.sent.again")
        self.serving(open_proxy(), topic)
        sender = Sender(open_proxy())
        self.addCleanup(sender.close)
        forgotten = sender.open()
        open_proxy().deregister(forgotten)

        self.assertEqual(200, sender.request(topic, None, timeout=10).code)
        self.assertNotEqual(forgotten, sender.node_id)

    @needs_secured_proxy
    def test_a_secured_sender_sends_with_its_token(self) -> None:
        topic = unique("py.secured.sent")
        self.serving(secured_proxy(), topic)
        sender = Sender(secured_proxy())
        self.addCleanup(sender.close)
        node_id = sender.open()

        result = sender.request(topic, "x", timeout=10)

        self.assertEqual(200, result.code)
        self.assertIn("Authorization", sender.proxy.headers(node_id))


if __name__ == "__main__":
    unittest.main()
