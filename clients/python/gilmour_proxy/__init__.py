"""Join a Gilmour bus from Python through the Gilmour HTTP proxy (standard library only).

A node registers with the proxy and names the topics it serves. With the callback transport it is a small HTTP
server, and the proxy POSTs each request and signal to the node's paths; with the stream transport the node dials
out to the proxy and reads its deliveries from a Server-Sent Events stream. A service's answer becomes the Gilmour
reply's ``data`` and ``code``; a slot's answer is ignored. The node sends its own requests, compositions and
signals through the proxy's HTTP API; a program that only sends uses a ``Sender``.

    from gilmour_proxy import Node

    node = Node.from_environment()

    @node.service("shop.price", group="shop")
    def price(delivery):
        return {"sku": delivery.data["sku"], "price": 42}

    @node.slot("shop.events.*")
    def on_event(delivery):
        print(delivery.topic, delivery.data)

    node.run()

The node registers itself (retrying until the proxy answers), registers again when the proxy no longer knows it,
and asks to be activated again when the proxy has marked it dirty.
"""

from .client import DEFAULT_PROXY_URL, ProxyClient, proxy_url_from_environment
from .errors import ProxyError
from .messages import Delivery, DeliveryReply, Message, Reply, ReplyResult, Result
from .node import Node
from .routes import DEFAULT_GROUP
from .sender import Sender

__all__ = [
    "DEFAULT_GROUP",
    "DEFAULT_PROXY_URL",
    "Delivery",
    "DeliveryReply",
    "Message",
    "Node",
    "ProxyClient",
    "ProxyError",
    "Reply",
    "ReplyResult",
    "Result",
    "Sender",
    "proxy_url_from_environment",
]
