"""Reading Server-Sent Events line by line."""

from __future__ import annotations

import unittest

from gilmour_proxy.events import Comment, EventParser, ServerSentEvent


def parse(text: str) -> list:
    parser = EventParser()
    items = (parser.line(line) for line in text.splitlines(keepends=True))
    return [item for item in items if item is not None]


class EventParserTests(unittest.TestCase):
    def test_an_event_is_complete_at_the_blank_line(self) -> None:
        self.assertEqual([ServerSentEvent("ready", '{"id": "n"}')], parse('event: ready\ndata: {"id": "n"}\n\n'))

    def test_comments_come_through_and_data_lines_join(self) -> None:
        self.assertEqual([Comment("keepalive"), ServerSentEvent("message", "a\nb")],
                         parse(": keepalive\n\ndata: a\ndata:b\n\n"))

    def test_carriage_returns_and_unknown_fields_are_ignored(self) -> None:
        self.assertEqual([ServerSentEvent("signal", "{}")], parse("id: 7\r\nretry: 10\r\nevent: signal\r\ndata: {}\r\n\r\n"))

    def test_an_event_cut_off_before_its_blank_line_is_not_dispatched(self) -> None:
        self.assertEqual([], parse("event: request\ndata: {"))


if __name__ == "__main__":
    unittest.main()
