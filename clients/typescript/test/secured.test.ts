/** A proxy that requires the admin key: the key registers, the node's token carries the node's own calls. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Delivery, Node, ProxyClient, ProxyError } from "../src/index";
import { eventually, ListeningLogger, SECURED_URL, securedProxy, statusOf, unique, withoutSecuredProxy } from "./support";

describe("a node on a secured proxy", { skip: withoutSecuredProxy }, () => {
  const nodes: Node[] = [];
  async function started(node: Node): Promise<Node> {
    nodes.push(node);
    await node.start();
    return node;
  }
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it("registers, serves and sends with the admin key", async () => {
    const topic = unique("ts.secured");
    const node = await started(new Node(securedProxy(), { logger: new ListeningLogger() }).service(topic, (d) => ({ echo: d.data })));

    const result = await node.request(topic, "hi", 10);

    assert.deepEqual([result.code, result.data], [200, { echo: "hi" }]);
  });

  it("rejects start() with a wrong admin key, without retrying and without showing the key", async () => {
    const node = new Node(securedProxy("not-the-key"), { logger: new ListeningLogger() }).service(unique("ts.refused"), () => null);
    nodes.push(node);

    await assert.rejects(node.start(), (error: unknown) =>
      error instanceof ProxyError && error.status === 401 && !error.message.includes("not-the-key"));
  });

  it("reaches the node routes with the node token alone", async () => {
    const node = await started(new Node(securedProxy(), { logger: new ListeningLogger() }));
    const token = node.proxy.token(node.nodeId!);
    assert.ok(token, "the proxy issued no token for the node");
    const holder = new ProxyClient(SECURED_URL!); // no admin key
    holder.useToken(node.nodeId!, token);

    assert.equal((await holder.node(node.nodeId!)).status, "ok");
    assert.deepEqual(node.proxy.headers(node.nodeId!), { Authorization: `Bearer ${token}` });
    await assert.rejects(holder.nodes(), (error: unknown) => error instanceof ProxyError && error.status === 401);
  });

  it("registers again when the proxy forgot it and it sends", async () => {
    const topic = unique("ts.secured.forgotten");
    const got: Delivery[] = [];
    const node = new Node(securedProxy(), { watchIntervalSeconds: 3600, logger: new ListeningLogger() });
    node.service(topic, (d) => (got.push(d), "again"));
    const forgotten = (await started(node)).nodeId!;
    await securedProxy().deregister(forgotten);

    const result = await node.request(topic, null, 10);

    assert.deepEqual([result.code, result.data], [200, "again"]);
    assert.notEqual(node.nodeId, forgotten);
    assert.equal(await statusOf(securedProxy(), forgotten), undefined);
  });

  it("registers again by itself when it only serves and the proxy forgot it", async () => {
    const node = new Node(securedProxy(), { watchIntervalSeconds: 0.2, logger: new ListeningLogger() });
    node.service(unique("ts.secured.watched"), () => null);
    const forgotten = (await started(node)).nodeId!;
    await securedProxy().deregister(forgotten);

    const current = await eventually(() => (node.nodeId !== forgotten ? node.nodeId : undefined), () => `still ${node.nodeId}`);
    await eventually(async () => (await statusOf(securedProxy(), current)) === "ok", () => `${current} is not ok`);
  });
});
