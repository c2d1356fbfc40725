/** Send-only use: a node of transport none, which serves nothing, against the real proxy. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Node, ProxyClient, ProxyError, Sender } from "../src/index";
import {
  ListeningLogger, openProxy, securedProxy, statusOf, unique, withoutOpenProxy, withoutSecuredProxy,
} from "./support";

const nodes: Node[] = [];
const senders: Sender[] = [];

async function serving(proxy: ProxyClient, topic: string): Promise<Node> {
  const node = new Node(proxy, { logger: new ListeningLogger() }).service(topic, (d) => ({ answered: d.data }));
  nodes.push(node);
  await node.start();
  return node;
}

function sender(proxy: ProxyClient): Sender {
  const made = new Sender(proxy, new ListeningLogger());
  senders.push(made);
  return made;
}

after(async () => {
  await Promise.all([...senders.map((s) => s.close()), ...nodes.map((n) => n.stop())]);
});

describe("a sender on the open proxy", { skip: withoutOpenProxy }, () => {
  it("requests and signals without serving anything", async () => {
    const topic = unique("ts.sent");
    await serving(openProxy(), topic);
    const s = sender(openProxy());

    const result = await s.request(topic, 7, 10);
    const signalSender = await s.signal(unique("ts.nobody.listens"), { x: 1 });

    const seen = await openProxy().node(s.nodeId!);
    assert.deepEqual([result.code, result.data], [200, { answered: 7 }]);
    assert.ok(signalSender);
    assert.deepEqual([seen.status, seen.transport], ["ok", "none"]);
  });

  it("is deregistered when closed and refuses to send afterwards", async () => {
    const s = sender(openProxy());
    const nodeId = await s.open();

    await s.close();

    assert.equal(await statusOf(openProxy(), nodeId), undefined);
    await assert.rejects(s.request("ts.after.close"), ProxyError);
  });

  it("registers again when the proxy forgot it", async () => {
    const topic = unique("ts.sent.again");
    await serving(openProxy(), topic);
    const s = sender(openProxy());
    const forgotten = await s.open();
    await openProxy().deregister(forgotten);

    assert.equal((await s.request(topic, null, 10)).code, 200);
    assert.notEqual(s.nodeId, forgotten);
  });
});

describe("a sender on the secured proxy", { skip: withoutSecuredProxy }, () => {
  it("sends with its token", async () => {
    const topic = unique("ts.secured.sent");
    await serving(securedProxy(), topic);
    const s = sender(securedProxy());
    const nodeId = await s.open();

    assert.equal((await s.request(topic, "x", 10)).code, 200);
    assert.ok("Authorization" in s.proxy.headers(nodeId));
  });
});
