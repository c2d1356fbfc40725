/** The stream transport against the real proxy: the node dials out, reads deliveries, posts replies. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Delivery, Node, ProxyClient } from "../src/index";
import {
  eventually, ListeningLogger, openProxy, securedProxy, statusOf, unique, withoutOpenProxy,
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

  it("gets keepalives on a quiet stream", async () => {
    const node = await streamNode(openProxy(), unique("ts.stream.quiet"));
    // The harness sets the heartbeat to one second.
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
