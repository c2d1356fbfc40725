"""A proxy that requires the admin key: the key registers, the node's token carries the node's own calls."""

from __future__ import annotations

import unittest

from gilmour_proxy import Delivery, Node, ProxyClient, ProxyError

from .support import API_KEY, SECURED_URL, eventually, needs_secured_proxy, secured_proxy, status_of, unique


@needs_secured_proxy
class SecuredProxyTests(unittest.TestCase):
    def started(self, node: Node) -> Node:
        node.start()
        self.addCleanup(node.stop)
        return node

    def test_a_node_with_the_admin_key_registers_serves_and_sends(self) -> None:
        topic = unique("py.secured")
        node = Node(secured_proxy())
        node.service(topic)(lambda delivery: {"echo": delivery.data})
        self.started(node)

        result = node.request(topic, "hi", timeout=10)

        self.assertEqual((200, {"echo": "hi"}), (result.code, result.data))

    def test_a_wrong_admin_key_is_refused_at_start_without_retrying(self) -> None:
        node = Node(secured_proxy(api_key="not-the-key"))
        node.service(unique("py.refused"))(lambda delivery: None)
        self.addCleanup(node.stop)

        with self.assertRaises(ProxyError) as refused:
            node.start()

        self.assertEqual(401, refused.exception.status)
        self.assertNotIn("not-the-key", str(refused.exception))

    def test_the_node_token_alone_reaches_the_node_routes(self) -> None:
        node = self.started(Node(secured_proxy()))
        assert node.node_id
        token = node.proxy.token(node.node_id)
        self.assertIsNotNone(token, "the proxy issued no token for the node")
        assert token
        assert SECURED_URL
        holder = ProxyClient(SECURED_URL)  # no admin key
        holder.use_token(node.node_id, token)

        self.assertEqual("ok", holder.node(node.node_id)["status"])
        self.assertEqual({"Authorization": f"Bearer {token}"}, node.proxy.headers(node.node_id))
        with self.assertRaises(ProxyError) as listing:
            holder.nodes()
        self.assertEqual(401, listing.exception.status)

    def test_a_node_the_secured_proxy_forgot_registers_again_when_it_sends(self) -> None:
        topic = unique("py.secured.forgotten")
        got: list[Delivery] = []
        node = Node(secured_proxy(), watch_interval=3600)
        node.service(topic)(lambda delivery: got.append(delivery) or "again")
        forgotten = self.started(node).node_id
        assert forgotten and API_KEY
        secured_proxy().deregister(forgotten)

        result = node.request(topic, None, timeout=10)

        self.assertEqual((200, "again"), (result.code, result.data))
        self.assertNotEqual(forgotten, node.node_id)
        self.assertIsNone(status_of(secured_proxy(), forgotten))

    def test_a_secured_node_that_only_serves_registers_again_when_the_proxy_forgot_it(self) -> None:
        node = Node(secured_proxy(), watch_interval=0.2)
        node.service(unique("py.secured.watched"))(lambda delivery: None)
        forgotten = self.started(node).node_id
        assert forgotten
        secured_proxy().deregister(forgotten)

        current = eventually(lambda: node.node_id if node.node_id != forgotten else None,
                             lambda: f"the node still holds {node.node_id}")
        eventually(lambda: status_of(secured_proxy(), current) == "ok", lambda: f"{current} is not ok")


if __name__ == "__main__":
    unittest.main()
