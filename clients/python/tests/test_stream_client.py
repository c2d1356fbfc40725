"""The stream transport's client side against a scripted stand-in of the proxy's stream routes: the cases the real
proxy cannot be made to produce on demand (a stream that falls silent, refusals, each close reason)."""

from __future__ import annotations

import logging
import threading
import time
import unittest
from typing import List

from gilmour_proxy import Delivery, Node, ProxyClient, ProxyError, Reply

from .scripted_proxy import ScriptedProxy, ScriptedStream
from .support import PATIENCE, eventually


class StreamClientTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = ScriptedProxy()
        self.addCleanup(self.proxy.stop)
        self.signals: List[Delivery] = []
        self.node = Node(ProxyClient(self.proxy.url), transport="stream", stream_idle_timeout=PATIENCE)

        @self.node.service("shop.price", group="shop")
        def price(delivery: Delivery) -> object:
            if delivery.data == "bad":
                raise ValueError("bad sku")
            if delivery.data == "gone":
                return Reply({"error": "no such sku"}, 404)
            return {"sku": delivery.data, "price": 42}

        @self.node.slot("shop.events.*")
        def on_event(delivery: Delivery) -> None:
            self.signals.append(delivery)

    def start(self) -> ScriptedStream:
        """Starts the node, which returns from start() only once the stream said ready."""
        started = threading.Thread(target=self.node.start, daemon=True)
        started.start()
        self.addCleanup(self.node.stop)
        stream = self.proxy.next_stream()
        stream.ready()
        started.join(PATIENCE)
        self.assertFalse(started.is_alive(), "start() did not return after the stream was ready")
        return stream

    def test_registration_names_the_stream_transport_and_no_port(self) -> None:
        self.start()
        registration = self.proxy.registrations[0]
        self.assertEqual("stream", registration["transport"])
        self.assertNotIn("port", registration)
        self.assertNotIn("health_check", registration)
        self.assertEqual([{"topic": "shop.price", "path": "/services/shop.price", "group": "shop"}],
                         registration["services"])
        self.assertEqual([{"topic": "shop.events.*", "path": "/slots/shop.events._any"}], registration["slots"])

    def test_the_stream_and_the_reply_carry_the_node_token(self) -> None:
        stream = self.start()
        stream.event("request", {"id": "d-1", "path": "/services/shop.price", "topic": "shop.price",
                                 "sender": "s-1", "data": "A-1", "timeout": 5})

        reply = self.proxy.next_reply()

        self.assertEqual("Bearer token-1", stream.authorization)
        self.assertEqual(("node-1", "d-1", "Bearer token-1"), (reply.node_id, reply.delivery_id, reply.authorization))
        self.assertEqual({"code": 200, "data": {"sku": "A-1", "price": 42}}, reply.body)

    def test_a_chosen_code_a_failing_handler_and_an_unserved_path_each_get_their_reply(self) -> None:
        stream = self.start()
        with self.assertLogs("gilmour_proxy", logging.WARNING):
            for delivery_id, path, data in (("gone", "/services/shop.price", "gone"),
                                            ("bad", "/services/shop.price", "bad"),
                                            ("nowhere", "/services/nowhere", None)):
                stream.event("request", {"id": delivery_id, "path": path, "topic": "shop.price", "sender": "s",
                                         "data": data, "timeout": 5})
            replies = {reply.delivery_id: reply.body for reply in (self.proxy.next_reply() for _ in range(3))}

        self.assertEqual({"code": 404, "data": {"error": "no such sku"}}, replies["gone"])
        self.assertEqual({"code": 500, "data": {"error": "bad sku"}}, replies["bad"])
        self.assertEqual(404, replies["nowhere"]["code"])

    def test_a_signal_reaches_its_slot_and_gets_no_reply(self) -> None:
        stream = self.start()
        stream.event("signal", {"id": "g-1", "path": "/slots/shop.events._any", "topic": "shop.events.sold",
                                "sender": "s-2", "data": {"sku": "A-1"}})
        stream.event("request", {"id": "after", "path": "/services/shop.price", "topic": "shop.price",
                                 "sender": "s", "data": "B", "timeout": 5})

        delivery = eventually(lambda: self.signals[0] if self.signals else None, lambda: "the slot got nothing")
        self.assertEqual(("shop.events.sold", "s-2", {"sku": "A-1"}), (delivery.topic, delivery.sender, delivery.data))
        self.assertEqual("after", self.proxy.next_reply().delivery_id, "a reply was posted for the signal")

    def test_a_stream_the_proxy_closes_is_opened_again(self) -> None:
        first = self.start()
        first.close("shutting down")

        second = self.proxy.next_stream()
        second.ready()

        eventually(lambda: self.node.stream.opened == 2, lambda: f"opened {self.node.stream.opened}")
        self.assertEqual("node-1", second.node_id)

    def test_a_stream_replaced_by_a_newer_one_is_not_opened_again(self) -> None:
        first = self.start()
        with self.assertLogs("gilmour_proxy", logging.WARNING) as logs:
            first.close("replaced")
            eventually(lambda: not self.node.stream._thread.is_alive(),  # type: ignore[union-attr]
                       lambda: "the stream loop is still running")

        self.assertTrue(self.proxy.streams.empty(), "the node opened another stream")
        self.assertEqual(1, self.proxy.stream_requests)
        self.assertIn("replaced", logs.output[0])

    def test_a_silent_stream_is_taken_for_dead_and_opened_again(self) -> None:
        self.node.stream.idle_timeout = 0.5
        self.start()  # then nothing more: no keepalive, no event

        second = self.proxy.next_stream()
        second.ready()

        eventually(lambda: self.node.stream.opened == 2, lambda: f"opened {self.node.stream.opened}")

    def test_keepalives_keep_a_quiet_stream_open(self) -> None:
        self.node.stream.idle_timeout = 2.0
        stream = self.start()
        # Eight keepalives 0.3 s apart: 2.4 s in all, longer than the idle timeout, no gap near it.
        for _ in range(8):
            stream.keepalive()
            time.sleep(0.3)
        eventually(lambda: self.node.stream.keepalives == 8, lambda: f"{self.node.stream.keepalives} keepalives")

        self.assertEqual(1, self.proxy.stream_requests)
        self.assertTrue(self.node.stream.ready.is_set())

    def test_refusals_are_retried_until_the_stream_opens(self) -> None:
        self.proxy.refusals.put(503)
        self.proxy.refusals.put(502)

        self.start()

        self.assertEqual(3, self.proxy.stream_requests)

    def test_a_deleted_node_registers_again_and_streams_under_its_new_id(self) -> None:
        first = self.start()
        first.close("deleted")

        second = self.proxy.next_stream()
        second.ready()

        self.assertEqual(("node-2", "Bearer token-2"), (second.node_id, second.authorization))
        eventually(lambda: self.node.node_id == "node-2", lambda: f"the node holds {self.node.node_id}")

    def test_a_stream_refused_for_the_wrong_transport_makes_start_raise(self) -> None:
        self.proxy.refusals.put(409)
        self.addCleanup(self.node.stop)

        with self.assertLogs("gilmour_proxy", logging.ERROR), self.assertRaises(ProxyError) as refused:
            self.node.start()
        self.assertEqual(409, refused.exception.status)

    def test_stop_closes_the_stream_and_deregisters_once(self) -> None:
        self.start()
        self.node.stop()
        self.node.stop()

        self.assertEqual(["node-1"], self.proxy.deletions)
        self.assertFalse(self.node.stream.ready.is_set())


if __name__ == "__main__":
    unittest.main()
