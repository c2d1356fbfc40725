"""The stream transport's client side against a scripted stand-in of the proxy's stream routes: the cases the real
proxy cannot be made to produce on demand (a stream that falls silent, refusals, each close reason)."""

from __future__ import annotations

import logging
import threading
import time
import unittest
from typing import Any, Dict, List

from gilmour_proxy import Delivery, DeliveryReply, Node, ProxyClient, ProxyError, Reply, ReplyResult

from .scripted_proxy import ScriptedProxy, ScriptedStream
from .support import PATIENCE, eventually


def price_request(delivery_id: str, sku: str = "A-1") -> Dict[str, Any]:
    """A request event for the node's shop.price service."""
    return {"id": delivery_id, "path": "/services/shop.price", "topic": "shop.price", "sender": "s", "data": sku,
            "timeout": 5}


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

    def queued(self) -> int:
        return self.node.stream._replies.queued

    def hold_one_reply_then_queue(self, stream: ScriptedStream, *delivery_ids: str) -> threading.Event:
        """The first reply goes alone and is held at the proxy; the others queue up behind it. Returns the hold."""
        held = self.proxy.hold_next_batch()
        stream.event("request", price_request("first"))
        self.assertEqual(["first"], self.proxy.next_batch().delivery_ids, "the first reply did not go alone")
        for delivery_id in delivery_ids:
            stream.event("request", price_request(delivery_id, sku=delivery_id))
        eventually(lambda: self.queued() == len(delivery_ids), lambda: f"{self.queued()} replies queued")
        return held

    def test_a_reply_goes_at_once_and_those_ready_meanwhile_go_together_in_the_next_post(self) -> None:
        stream = self.start()
        # Nothing else is in flight: the first reply is posted without waiting for company (the next event is
        # written only once it has arrived).
        held = self.hold_one_reply_then_queue(stream, "d-2", "d-3", "d-4")

        held.set()
        second = self.proxy.next_batch()

        self.assertEqual(["d-2", "d-3", "d-4"], sorted(second.delivery_ids))
        self.assertEqual({"code": 200, "data": {"sku": "d-3", "price": 42}},
                         next(r.body for r in second.replies if r.delivery_id == "d-3"))
        self.assertEqual("Bearer token-1", second.replies[0].authorization)
        eventually(lambda: self.node.stream._replies.wait_idle(0),
                   lambda: "the sender is still posting")
        self.assertTrue(self.proxy.batches.empty(), "more POSTs than the two batches")

    def test_a_reply_refused_inside_a_batch_is_logged_and_later_replies_still_go(self) -> None:
        stream = self.start()
        self.proxy.reply_results["late"] = (410, "delivery late timed out before node node-1 answered: its "
                                                 "requester got 499")
        with self.assertLogs("gilmour_proxy", logging.INFO) as logs:
            stream.event("request", price_request("late"))
            self.assertEqual(["late"], self.proxy.next_batch().delivery_ids)
            record = eventually(lambda: next((r for r in logs.records if "not taken" in r.getMessage()), None),
                                lambda: f"nothing logged: {logs.output}")

        self.assertEqual(logging.INFO, record.levelno)
        self.assertIn("late", record.getMessage())
        self.assertIn("410", record.getMessage())
        stream.event("request", price_request("after"))
        self.assertEqual(["after"], self.proxy.next_batch().delivery_ids)

    def test_a_refused_post_is_logged_for_each_reply_it_carried_and_later_replies_still_go(self) -> None:
        stream = self.start()
        held = self.hold_one_reply_then_queue(stream, "lost-1", "lost-2")
        self.proxy.batch_refusals.put(503)

        with self.assertLogs("gilmour_proxy", logging.WARNING) as logs:
            held.set()
            self.assertEqual(503, self.proxy.next_batch().status)
            eventually(lambda: len(logs.output) == 2, lambda: f"logged: {logs.output}")

        self.assertEqual(["lost-1", "lost-2"], sorted(
            next(word for word in line.split() if word.startswith("lost-")) for line in logs.output))
        stream.event("request", price_request("after"))
        self.assertEqual(["after"], self.proxy.next_batch().delivery_ids)

    def test_a_batch_refused_whole_as_too_large_is_posted_again_in_halves(self) -> None:
        stream = self.start()
        held = self.hold_one_reply_then_queue(stream, "d-2", "d-3", "d-4")
        self.proxy.batch_refusals.put(413)

        held.set()
        refused = self.proxy.next_batch()
        halves = [self.proxy.next_batch(), self.proxy.next_batch()]

        self.assertEqual((413, 3), (refused.status, len(refused.replies)))
        self.assertEqual([1, 2], [len(half.replies) for half in halves])
        self.assertEqual(sorted(refused.delivery_ids), sorted(sum((half.delivery_ids for half in halves), [])))

    def test_stop_sends_the_replies_queued_behind_a_post_in_flight_before_it_deregisters(self) -> None:
        stream = self.start()
        held = self.hold_one_reply_then_queue(stream, "d-2", "d-3")
        stopping = threading.Thread(target=self.node.stop, daemon=True)
        stopping.start()
        eventually(lambda: not self.node.stream._thread.is_alive(),  # type: ignore[union-attr]
                   lambda: "the stream loop is still running")

        self.assertTrue(stopping.is_alive(), "stop() returned with replies still queued")
        self.assertEqual([], self.proxy.deletions)
        held.set()
        stopping.join(PATIENCE)

        self.assertFalse(stopping.is_alive(), "stop() did not return")
        self.assertEqual(["d-2", "d-3"], sorted(self.proxy.next_batch(within=0).delivery_ids))
        self.assertEqual(["node-1"], self.proxy.deletions)

    def test_stop_closes_the_stream_and_deregisters_once(self) -> None:
        self.start()
        self.node.stop()
        self.node.stop()

        self.assertEqual(["node-1"], self.proxy.deletions)
        self.assertFalse(self.node.stream.ready.is_set())



class ReplyAllTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = ScriptedProxy()
        self.addCleanup(self.proxy.stop)
        self.client = ProxyClient(self.proxy.url)

    def test_each_reply_is_posted_and_each_result_comes_back_in_order(self) -> None:
        self.proxy.reply_results["late"] = (410, "delivery late timed out")

        results = self.client.reply_all("node-1", [DeliveryReply("d-1", 201, {"a": 1}), ("late", 500, None)])

        self.assertEqual([ReplyResult("d-1", 200), ReplyResult("late", 410, "delivery late timed out")], results)
        self.assertEqual([True, False], [result.taken for result in results])
        batch = self.proxy.next_batch()
        self.assertEqual(("node-1", ["d-1", "late"]), (batch.node_id, batch.delivery_ids))
        self.assertEqual([{"code": 201, "data": {"a": 1}}, {"code": 500, "data": None}],
                         [reply.body for reply in batch.replies])

    def test_a_batch_refused_whole_raises(self) -> None:
        self.proxy.batch_refusals.put(400)

        with self.assertRaises(ProxyError) as refused:
            self.client.reply_all("node-1", [DeliveryReply("d-1")])

        self.assertEqual(400, refused.exception.status)
        self.assertTrue(self.proxy.replies.empty())


if __name__ == "__main__":
    unittest.main()
