"""The one exception the package raises for the proxy's refusals."""

from __future__ import annotations


class ProxyError(Exception):
    """The proxy refused a call (unknown node, bad input, node not ok, ...), or could not be reached (status 0).

    status: the HTTP status of the refusal, 0 when the proxy did not answer at all.
    message: the proxy's ``{"status": "..."}`` text, or why it could not be reached.
    """

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message

    @property
    def unreachable(self) -> bool:
        return self.status == 0

    @property
    def retryable(self) -> bool:
        """Unreachable or 5xx: the proxy is starting, restarting or cannot reach Redis yet; trying again may work.
        Anything else is a mistake in what was asked, which asking again would not fix."""
        return self.unreachable or self.status >= 500
