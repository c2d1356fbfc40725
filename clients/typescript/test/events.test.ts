/** Reading Server-Sent Events from chunks split anywhere. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { EventParser } from "../src/events";

describe("the event parser", () => {
  it("completes an event at the blank line", () => {
    assert.deepEqual(new EventParser().push('event: ready\ndata: {"id": "n"}\n\n'), [
      { kind: "event", event: "ready", data: '{"id": "n"}' },
    ]);
  });

  it("passes comments through and joins data lines", () => {
    assert.deepEqual(new EventParser().push(": keepalive\n\ndata: a\ndata:b\n\n"), [
      { kind: "comment", text: "keepalive" },
      { kind: "event", event: "message", data: "a\nb" },
    ]);
  });

  it("reads an event split across chunks, even between \\r and \\n", () => {
    const parser = new EventParser();
    const items = ["event: sig", "nal\r", "\ndata: {}\r\n", "\r\n"].flatMap((chunk) => parser.push(chunk));
    assert.deepEqual(items, [{ kind: "event", event: "signal", data: "{}" }]);
  });

  it("ignores unknown fields and does not dispatch an event cut off before its blank line", () => {
    assert.deepEqual(new EventParser().push("id: 7\nretry: 10\nevent: request\ndata: {"), []);
  });
});
