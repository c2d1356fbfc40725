"""The stream node's reply sender on its own, against a stand-in of ``ProxyClient.reply_all``: how it cuts the queue
into batches, and that nothing a POST does stops it."""

from __future__ import annotations

import http.client
import logging
import threading
import unittest
from typing import List, Optional, Sequence, Tuple, cast

from gilmour_proxy import DeliveryReply, ProxyClient, ReplyResult
from gilmour_proxy.replies import ReplySender

from .support import PATIENCE, eventually


class RecordingProxy:
    """Takes every reply; the first POST can be held open (``hold``), and the next one made to raise (``fail``)."""

    def __init__(self) -> None:
        self.batches: List[Tuple[str, List[str]]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.fail: Optional[Exception] = None

    def reply_all(self, node_id: str, replies: Sequence[DeliveryReply]) -> List[ReplyResult]:
        self.batches.append((node_id, [reply.id for reply in replies]))
        self.hold.wait(PATIENCE)
        failure, self.fail = self.fail, None
        if failure is not None:
            raise failure
        return [ReplyResult(reply.id, 200) for reply in replies]


class ReplySenderTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = RecordingProxy()
        self.sender = ReplySender(cast(ProxyClient, self.proxy))

    def send_first_and_hold_it(self) -> None:
        """A first reply whose POST stays in flight, so that what is sent next queues up behind it."""
        self.proxy.hold.clear()
        threading.Thread(target=self.sender.send, args=("node-1", DeliveryReply("first"), "t"), daemon=True).start()
        eventually(lambda: self.proxy.batches, lambda: "the first reply was not posted")

    def release_and_wait(self) -> None:
        self.proxy.hold.set()
        self.assertTrue(self.sender.wait_idle(PATIENCE), "the sender is still posting")

    def test_a_queue_longer_than_the_limit_goes_in_posts_of_at_most_1000_replies(self) -> None:
        self.send_first_and_hold_it()
        for n in range(1500):
            self.sender.send("node-1", DeliveryReply(f"d-{n}"), "t")
        self.assertEqual(1500, self.sender.queued)

        self.release_and_wait()

        self.assertEqual([1, 1000, 500], [len(ids) for _, ids in self.proxy.batches])
        self.assertEqual([f"d-{n}" for n in range(1500)], self.proxy.batches[1][1] + self.proxy.batches[2][1])

    def test_replies_to_another_node_id_go_in_a_post_of_their_own_in_queue_order(self) -> None:
        self.send_first_and_hold_it()
        for node_id, delivery_id in (("node-1", "a-1"), ("node-2", "b-1"), ("node-2", "b-2"), ("node-1", "a-2")):
            self.sender.send(node_id, DeliveryReply(delivery_id), "t")

        self.release_and_wait()

        self.assertEqual([("node-1", ["first"]), ("node-1", ["a-1"]), ("node-2", ["b-1", "b-2"]),
                          ("node-1", ["a-2"])], self.proxy.batches)

    def test_replies_sent_from_many_threads_at_once_are_each_posted_once(self) -> None:
        def send_many(thread: int) -> None:
            for n in range(200):
                self.sender.send("node-1", DeliveryReply(f"{thread}-{n}"), "t")
        threads = [threading.Thread(target=send_many, args=(t,), daemon=True) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)

        self.assertTrue(self.sender.wait_idle(PATIENCE), "the sender is still posting")
        posted = [delivery_id for _, ids in self.proxy.batches for delivery_id in ids]
        self.assertEqual(sorted(f"{t}-{n}" for t in range(8) for n in range(200)), sorted(posted))
        self.assertEqual(0, self.sender.queued)

    def test_a_post_that_breaks_off_is_logged_and_the_next_reply_still_goes(self) -> None:
        self.proxy.fail = http.client.IncompleteRead(b"")

        with self.assertLogs("gilmour_proxy", logging.WARNING) as logs:
            self.sender.send("node-1", DeliveryReply("lost"), "shop.price")
        self.sender.send("node-1", DeliveryReply("after"), "shop.price")

        self.assertEqual(1, len(logs.output))
        self.assertIn("could not reply to lost on shop.price", logs.output[0])
        self.assertEqual([("node-1", ["lost"]), ("node-1", ["after"])], self.proxy.batches)
        self.assertTrue(self.sender.wait_idle(0))


if __name__ == "__main__":
    unittest.main()
