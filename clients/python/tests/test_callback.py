"""The callback transport against the real proxy: the node serves HTTP, the proxy calls it back."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import unittest
from typing import Optional

from gilmour_proxy import Delivery, Node, ProxyClient, ProxyError, Reply
from gilmour_proxy.callback import CallbackServer
from gilmour_proxy.routes import SERVICE, Route, Routes

from .support import eventually, needs_open_proxy, open_proxy, status_of, unique


def started(test: unittest.TestCase, node: Node) -> Node:
    node.start()
    test.addCleanup(node.stop)
    return node


@needs_open_proxy
class CallbackNodeTests(unittest.TestCase):
    def test_a_request_reaches_the_service_and_its_reply_comes_back(self) -> None:
        topic = unique("py.echo")
        node = Node(open_proxy())

        @node.service(topic)
        def echo(delivery: Delivery) -> object:
            return {"got": delivery.data, "topic": delivery.topic}

        started(self, node)
        result = node.request(topic, {"n": 1}, timeout=10)

        self.assertEqual(200, result.code)
        self.assertEqual({"got": {"n": 1}, "topic": topic}, result.data)

    def test_a_service_chooses_its_code_and_a_failing_handler_answers_500(self) -> None:
        refused, failing = unique("py.refused"), unique("py.failing")
        node = Node(open_proxy())

        @node.service(refused)
        def refuse(delivery: Delivery) -> Reply:
            return Reply({"error": "no"}, 422)

        @node.service(failing)
        def fail(delivery: Delivery) -> None:
            raise RuntimeError("broken on purpose")

        started(self, node)
        with self.assertLogs("gilmour_proxy", logging.ERROR):
            failed = node.request(failing, None, timeout=10)

        self.assertEqual((422, {"error": "no"}), (node.request(refused, None, timeout=10).code,
                                                   node.request(refused, None, timeout=10).data))
        self.assertEqual(500, failed.code)
        self.assertEqual({"error": "broken on purpose"}, failed.data)

    def test_a_signal_reaches_a_wildcard_slot_with_its_concrete_topic(self) -> None:
        prefix = unique("py.events")
        got: list[Delivery] = []
        node = Node(open_proxy())

        @node.slot(prefix + ".*")
        def on_event(delivery: Delivery) -> None:
            got.append(delivery)

        started(self, node)
        sender = node.signal(prefix + ".started", {"by": "test"})

        delivery = eventually(lambda: got[0] if got else None, lambda: "the slot got nothing")
        self.assertEqual((prefix + ".started", {"by": "test"}, sender), (delivery.topic, delivery.data, delivery.sender))

    def test_a_delivery_to_a_path_the_node_does_not_serve_leaves_the_next_delivery_intact(self) -> None:
        # The proxy keeps its connection to the node open. Answering 404 without reading the body used to leave
        # the body on that connection, read as the next request: the next delivery came back 501.
        served, unserved = unique("py.served"), unique("py.unserved")
        node = Node(open_proxy())

        @node.service(served)
        def echo(delivery: Delivery) -> object:
            return delivery.data

        started(self, node)
        assert node.node_id
        node.proxy.add_service(node.node_id, unserved, "/not-served-here", group="_default")

        missing = node.request(unserved, {"pad": "x" * 200}, timeout=10)
        after = [node.request(served, i, timeout=10) for i in range(3)]

        self.assertEqual(404, missing.code)
        self.assertEqual([(200, 0), (200, 1), (200, 2)], [(r.code, r.data) for r in after])

    def test_stop_during_run_deregisters_once(self) -> None:
        node = Node(open_proxy())
        node.service(unique("py.run"))(lambda delivery: None)
        with self.assertLogs("gilmour_proxy", logging.INFO) as logs:
            runner = threading.Thread(target=node.run)
            runner.start()
            node_id = eventually(lambda: node.node_id, lambda: "the node never registered")
            eventually(lambda: status_of(node.proxy, node_id) == "ok", lambda: "the node is not ok")
            node.stop()
            runner.join(30)

        self.assertFalse(runner.is_alive(), "run() did not return after stop()")
        lines = [record.getMessage() for record in logs.records]
        self.assertEqual([], [line for line in lines if "could not deregister" in line])
        self.assertEqual(1, sum(1 for line in lines if line == f"node {node_id} deregistered"), lines)
        self.assertIsNone(status_of(node.proxy, node_id))

    def test_a_node_the_proxy_forgot_registers_again_when_it_sends(self) -> None:
        topic = unique("py.forgotten")
        node = Node(open_proxy(), watch_interval=3600)
        node.service(topic)(lambda delivery: "still here")
        forgotten = started(self, node).node_id
        assert forgotten
        ProxyClient(node.proxy.base_url).deregister(forgotten)

        result = node.request(topic, None, timeout=10)

        self.assertEqual((200, "still here"), (result.code, result.data))
        self.assertNotEqual(forgotten, node.node_id)

    def test_a_node_that_only_serves_registers_again_when_the_proxy_forgot_it(self) -> None:
        topic = unique("py.watched")
        node = Node(open_proxy(), watch_interval=0.2)
        node.service(topic)(lambda delivery: "back")
        forgotten = started(self, node).node_id
        assert forgotten
        outsider = ProxyClient(node.proxy.base_url)
        outsider.deregister(forgotten)

        current = eventually(lambda: node.node_id if node.node_id != forgotten else None,
                             lambda: f"the node still holds {node.node_id}")
        eventually(lambda: status_of(outsider, current) == "ok", lambda: f"{current} is {status_of(outsider, current)}")

    def test_a_node_the_proxy_marked_dirty_asks_to_be_activated(self) -> None:
        # The health monitor marks a node dirty when its port refuses connections, and probes it no more: only
        # POST /nodes/{id}/activate brings it back. The node's server goes away and comes back on the same port.
        topic = unique("py.dirty")
        node = Node(open_proxy(), watch_interval=0.2)
        node.service(topic)(lambda delivery: "active again")
        node_id = started(self, node).node_id
        assert node_id and node.port
        server = node._server
        assert server is not None
        server.stop()
        eventually(lambda: status_of(node.proxy, node_id) == "dirty", lambda: f"{node_id} never became dirty")

        node._server = CallbackServer(node.host, node.port, node._routes, node.health_check, lambda: True, {})
        node._server.start()

        eventually(lambda: status_of(node.proxy, node_id) == "ok", lambda: f"{node_id} was not activated")

        # The registry says ok as soon as the activation is committed; the dispatcher subscribes a moment later.
        def answered() -> Optional[str]:
            data = node.request(topic, None, timeout=10).data
            return data if data == "active again" else None

        self.assertEqual("active again", eventually(answered, lambda: f"{node_id} is ok but its service never answered"))
        self.assertEqual(node_id, node.node_id)

    def test_a_refused_registration_raises_instead_of_retrying(self) -> None:
        node = Node(open_proxy())
        node.service("py.bad")(lambda delivery: None)
        node.health_check = "no-leading-slash"
        self.addCleanup(node.stop)

        with self.assertRaises(ProxyError) as refused:
            node.start()
        self.assertEqual(400, refused.exception.status)


class CallbackServerTests(unittest.TestCase):
    """The node's HTTP server on one kept-open connection, as the proxy's connection pool uses it."""

    def setUp(self) -> None:
        routes = Routes()
        routes.add(Route(SERVICE, "echo", "/services/echo", lambda delivery: delivery.data))
        self.server = CallbackServer("127.0.0.1", 0, routes, "/health", lambda: True, {})
        self.server.start()
        self.addCleanup(self.server.stop)
        self.connection = http.client.HTTPConnection(*self.server.address, timeout=10)
        self.addCleanup(self.connection.close)

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, object]:
        self.connection.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())

    def test_a_post_to_an_unserved_path_is_answered_404_and_the_connection_serves_the_next_post(self) -> None:
        delivery = json.dumps({"topic": "echo", "sender": "s", "data": {"big": "y" * 5000}, "timeout": 5}).encode()

        missing = self.post("/nowhere", delivery)
        served = self.post("/services/echo", delivery)

        self.assertEqual(404, missing[0])
        self.assertIn("/nowhere", str(missing[1]))
        self.assertEqual((200, {"big": "y" * 5000}), served)

    def test_a_get_with_a_body_and_another_method_leave_the_connection_usable(self) -> None:
        self.connection.request("GET", "/health", b'{"ignored": true}', {"Content-Length": "17"})
        health = self.connection.getresponse()
        health.read()
        self.connection.request("PUT", "/services/echo", b'{"data": 1}')
        put = self.connection.getresponse()
        put.read()

        served = self.post("/services/echo", b'{"data": 2}')

        self.assertEqual((200, 405, (200, 2)), (health.status, put.status, served))

    def test_a_chunked_delivery_is_read_whole(self) -> None:
        body = b'{"data": "chunked"}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        self.assertEqual((200, "chunked"), self.post("/services/echo", chunked, {"Transfer-Encoding": "chunked"}))
        self.assertEqual((200, 3), self.post("/services/echo", b'{"data": 3}'))

    def test_a_get_route_that_raises_is_answered_500_in_json_and_the_connection_serves_the_next_request(self) -> None:
        def broken() -> object:
            raise RuntimeError("not registered yet")
        server = CallbackServer("127.0.0.1", 0, Routes(), "/health", lambda: True, {"/broken": broken, "/fine": lambda: {"a": 1}})
        server.start()
        self.addCleanup(server.stop)
        connection = http.client.HTTPConnection(*server.address, timeout=10)
        self.addCleanup(connection.close)

        with self.assertLogs("gilmour_proxy", "ERROR"):
            connection.request("GET", "/broken")
            failed = connection.getresponse()
            failed_body = json.loads(failed.read())
        connection.request("GET", "/fine")
        fine = connection.getresponse()

        self.assertEqual((500, {"error": "not registered yet"}), (failed.status, failed_body))
        self.assertEqual((200, {"a": 1}), (fine.status, json.loads(fine.read())))

    def test_a_delivery_that_is_not_json_is_answered_400_in_json(self) -> None:
        status, body = self.post("/services/echo", b"not json")
        self.assertEqual(400, status)
        self.assertIn("not a delivery", str(body))


if __name__ == "__main__":
    unittest.main()
