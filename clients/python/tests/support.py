"""What the tests share: where the real proxy is, waiting for conditions, unique names.

The tests that need the proxy read its URL from the environment; the C# test class
``Gilmour.Proxy.Tests.Clients.ClientTests`` starts a real one (redis-server and the three services) and sets:

- ``GILMOUR_TEST_PROXY_URL``: a proxy in the open posture (no API key);
- ``GILMOUR_TEST_SECURED_PROXY_URL`` and ``GILMOUR_TEST_API_KEY``: a proxy that requires that admin key.

Both probe node health every second. Without them, those tests are skipped.
"""

from __future__ import annotations

import os
import time
import unittest
import uuid
from typing import Callable, Optional, TypeVar

from gilmour_proxy import ProxyClient, ProxyError

T = TypeVar("T")

OPEN_URL = os.environ.get("GILMOUR_TEST_PROXY_URL")
SECURED_URL = os.environ.get("GILMOUR_TEST_SECURED_PROXY_URL")
API_KEY = os.environ.get("GILMOUR_TEST_API_KEY")

# Generous: the machine may be busy with other builds; a condition that holds returns at once anyway.
PATIENCE = 30.0

needs_open_proxy = unittest.skipUnless(OPEN_URL, "GILMOUR_TEST_PROXY_URL is not set")
needs_secured_proxy = unittest.skipUnless(SECURED_URL and API_KEY,
                                          "GILMOUR_TEST_SECURED_PROXY_URL and GILMOUR_TEST_API_KEY are not set")


def open_proxy() -> ProxyClient:
    assert OPEN_URL
    return ProxyClient(OPEN_URL)


def secured_proxy(api_key: Optional[str] = None) -> ProxyClient:
    assert SECURED_URL and API_KEY
    return ProxyClient(SECURED_URL, api_key=API_KEY if api_key is None else api_key)


def unique(prefix: str) -> str:
    """A topic no other test (nor the other language's suite on the same proxy) uses."""
    return f"{prefix}.{uuid.uuid4().hex[:12]}"


def eventually(condition: Callable[[], Optional[T]], describe: Callable[[], str],
               within: float = PATIENCE) -> T:
    """Polls until ``condition()`` returns something truthy and returns it; fails with ``describe()`` after
    ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f} s: {describe()}")
        time.sleep(0.05)


def status_of(proxy: ProxyClient, node_id: str) -> Optional[str]:
    """The node's status as the proxy reports it (asked with the admin key when there is one), None if gone."""
    try:
        return str(proxy.node(node_id, as_admin=bool(proxy.api_key)).get("status"))
    except ProxyError:
        return None
