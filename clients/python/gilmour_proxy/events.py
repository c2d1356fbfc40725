"""Server-Sent Events, as the proxy's stream writes them (``event:``, ``data:``, comment lines, a blank line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Union


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its type (``message`` when the stream named none) and its data lines joined."""

    event: str
    data: str


@dataclass(frozen=True)
class Comment:
    """A line starting with a colon, such as the proxy's ``: keepalive``."""

    text: str


class EventParser:
    """Turns the stream's lines, one at a time, into events: an event is complete at the blank line after it."""

    def __init__(self) -> None:
        self._event = ""
        self._data: List[str] = []

    def line(self, line: str) -> Optional[Union[ServerSentEvent, Comment]]:
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return Comment(line[1:].strip())
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        # "id" and "retry" are not used by the proxy; unknown fields are ignored, as the format says.
        return None

    def _dispatch(self) -> Optional[ServerSentEvent]:
        if not self._data and not self._event:
            return None
        event = ServerSentEvent(self._event or "message", "\n".join(self._data))
        self._event, self._data = "", []
        return event
