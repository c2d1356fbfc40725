"""A program that only sends: a node of transport ``none``, which serves nothing and is never probed."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Mapping, Optional

from .client import ProxyClient, proxy_url_from_environment
from .errors import ProxyError
from .messages import Result
from .registration import Registration

log = logging.getLogger("gilmour_proxy")


class Sender:
    """Sends requests, compositions and signals through the proxy without serving anything.

    It registers as a node of transport ``none`` on first use (or ``open()``), so it needs no port, no health path
    and no stream; the proxy answers at once with status ok. It registers again by itself if the proxy forgot it.
    ``close()`` (or leaving a ``with`` block) deregisters.

        with Sender(ProxyClient("http://127.0.0.1:5080")) as sender:
            print(sender.request("shop.price", {"sku": "A-1"}).data)
    """

    def __init__(self, proxy: ProxyClient):
        self.proxy = proxy
        self._closing = threading.Event()
        self._registration = Registration(proxy, lambda: proxy.register("none"), self._closing)

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> "Sender":
        """The proxy's URL and key as ``Node.from_environment`` reads them."""
        environ = os.environ if environ is None else environ
        return cls(ProxyClient(proxy_url_from_environment(environ), api_key=environ.get("GILMOUR_API_KEY")))

    @property
    def node_id(self) -> Optional[str]:
        """The id the proxy gave this sender, once registered."""
        return self._registration.node_id

    def open(self) -> str:
        """Registers now (retrying while the proxy does not answer) and returns the node id."""
        return self._registration.ensure()

    def request(self, topic: str, message: Any = None, timeout: Optional[float] = None) -> Result:
        """Sends a Gilmour request and waits for its reply (``result.code`` 200, 404 nobody serves it, 499 timed
        out, or the responder's own)."""
        return self._registration.as_known_node(lambda node_id: self.proxy.request(node_id, topic, message, timeout))

    def compose(self, composition: Mapping[str, Any], message: Any = None, timeout: Optional[float] = None) -> Result:
        """Runs a composition (pipe, andand, oror, batch, parallel) through the proxy."""
        return self._registration.as_known_node(
            lambda node_id: self.proxy.compose(node_id, composition, message, timeout))

    def signal(self, topic: str, message: Any = None) -> str:
        """Emits a Gilmour signal; returns its sender id."""
        return self._registration.as_known_node(lambda node_id: self.proxy.signal(node_id, topic, message))

    def close(self) -> None:
        """Deregisters (best effort). Only the first call does anything; sending afterwards raises."""
        if self._closing.is_set():
            return
        self._closing.set()
        node_id = self._registration.forget()
        if node_id:
            try:
                self.proxy.deregister(node_id)
            except ProxyError as error:
                log.info("could not deregister sender %s: %s", node_id, error)

    def __enter__(self) -> "Sender":
        self.open()
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
