/** The stream transport against the real proxy: the node dials out, reads deliveries, posts replies. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it } from "node:test";

import { EventParser, ServerSentEvent } from "../src/events";
import { Delivery, Node, ProxyClient } from "../src/index";
import {
  eventually, ListeningLogger, openProxy, PATIENCE_MS, securedProxy, statusOf, unique, withoutOpenProxy,
  withoutSecuredProxy,
} from "./support";

const nodes: Node[] = [];

after(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

/** A started stream node serving `topic` (and a slot on `slotPrefix.*`). */
async function streamNode(proxy: ProxyClient, topic: string, signals?: Delivery[], slotPrefix?: string) {
  const node = new Node(proxy, { transport: "stream", logger: new ListeningLogger() }).service(topic, (d) => ({ streamed: d.data }));
  if (signals && slotPrefix) node.slot(`${slotPrefix}.*`, (d) => void signals.push(d));
  nodes.push(node);
  await node.start();
  return node;
}

/**
 * The events of a stream the test reads itself, to see the delivery ids that a Node would answer on its own. The
 * stream ends when `signal` aborts, or after the patience.
 */
async function* streamEvents(proxy: ProxyClient, nodeId: string, signal: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const response = await fetch(proxy.streamUrl(nodeId), {
    headers: { Accept: "text/event-stream", ...proxy.headers(nodeId) },
    signal: AbortSignal.any([signal, AbortSignal.timeout(PATIENCE_MS)]),
  });
  if (response.status !== 200) throw new Error(`stream refused: ${response.status} ${await response.text()}`);
  const parser = new EventParser();
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    for (const item of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
      if (item.kind === "event") yield item;
    }
  }
}

/** The next event named `name`, skipping the others. */
async function nextEvent(events: AsyncGenerator<ServerSentEvent>, name: string): Promise<ServerSentEvent> {
  for (;;) {
    const { value, done } = await events.next();
    if (done) throw new Error(`the stream ended before a ${name} event`);
    if (value.event === name) return value;
  }
}

describe("a stream node on the open proxy", { skip: withoutOpenProxy }, () => {
  it("answers requests and gets signals", async () => {
    const topic = unique("ts.stream");
    const prefix = unique("ts.stream.events");
    const signals: Delivery[] = [];
    const node = await streamNode(openProxy(), topic, signals, prefix);

    const result = await node.request(topic, 5, 10);
    await node.signal(`${prefix}.one`, "s");

    assert.deepEqual([result.code, result.data], [200, { streamed: 5 }]);
    const delivery = await eventually(() => signals[0], () => "the slot got nothing");
    assert.deepEqual([delivery.topic, delivery.data], [`${prefix}.one`, "s"]);
    const seen = await openProxy().node(node.nodeId!);
    assert.deepEqual([seen.status, seen.transport], ["ok", "stream"]);
  });

  it("answers many requests at once, its replies batched", async () => {
    const topic = unique("ts.stream.many");
    const node = await streamNode(openProxy(), topic);

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => node.request(topic, i, 10)));

    assert.deepEqual(results.map((r) => [r.code, r.data]), results.map((_, i) => [200, { streamed: i }]));
  });

  it("takes a batch of replies and tells each one's fate in order", async () => {
    const proxy = openProxy();
    const topic = unique("ts.stream.batch");
    const { id: nodeId } = await proxy.register({ transport: "stream", services: [{ topic, group: "batch", path: "/services/batch" }] });
    const reading = new AbortController();
    try {
      const events = streamEvents(proxy, nodeId, reading.signal);
      await nextEvent(events, "ready");
      const requested = proxy.request(nodeId, topic, "asked", 10);
      const delivery = JSON.parse((await nextEvent(events, "request")).data) as { id: string };
      const neverIssued = randomUUID().replaceAll("-", "");

      const results = await proxy.replyAll(nodeId, [{ id: delivery.id, data: "batched" }, { id: neverIssued, code: 500 }]);

      assert.deepEqual(results.map((r) => [r.id, r.status]), [[delivery.id, 200], [neverIssued, 404]]);
      assert.ok(results[1].error, "a refused reply says why");
      const result = await requested;
      assert.deepEqual([result.code, result.data], [200, "batched"]);
    } finally {
      reading.abort();
      await proxy.deregister(nodeId);
    }
  });

  it("gets keepalives on a quiet stream", async () => {
    const node = await streamNode(openProxy(), unique("ts.stream.quiet"));
    // The harness sets the heartbeat to five seconds.
    await eventually(() => node.stream.keepalives >= 2, () => `${node.stream.keepalives} keepalives`);
    assert.equal(node.stream.opened, 1);
  });

  it("opens a lost stream again and serves again", async () => {
    const topic = unique("ts.stream.lost");
    const node = await streamNode(openProxy(), topic);

    node.stream.interrupt();

    await eventually(() => node.stream.opened === 2, () => `opened ${node.stream.opened}`);
    assert.equal((await node.request(topic, null, 10)).code, 200);
  });

  it("registers again after it was deleted", async () => {
    const topic = unique("ts.stream.deleted");
    const node = await streamNode(openProxy(), topic);
    const forgotten = node.nodeId!;
    await openProxy().deregister(forgotten);

    const current = await eventually(() => (node.nodeId !== forgotten ? node.nodeId : undefined), () => `still ${node.nodeId}`);
    await eventually(async () => (await statusOf(openProxy(), current)) === "ok", () => `${current} is not ok`);
    assert.equal((await node.request(topic, null, 10)).code, 200);
  });

  it("deregisters when stopped", async () => {
    const node = await streamNode(openProxy(), unique("ts.stream.stop"));
    const nodeId = node.nodeId!;

    await node.stop();

    assert.equal(await statusOf(openProxy(), nodeId), undefined);
  });
});

describe("a stream node on the secured proxy", { skip: withoutSecuredProxy }, () => {
  it("streams and replies with its token", async () => {
    const topic = unique("ts.stream.secured");
    const node = await streamNode(securedProxy(), topic);

    assert.ok("Authorization" in node.proxy.headers(node.nodeId!));
    assert.equal((await node.request(topic, null, 10)).code, 200);
  });
});
