/** The callback transport against the real proxy: the node serves HTTP, the proxy calls it back. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { CallbackServer } from "../src/callback";
import { Delivery, Node, ProxyClient, ProxyError, Reply } from "../src/index";
import { consoleLogger } from "../src/logger";
import { Route, Routes } from "../src/routes";
import { post, RawConnection } from "./raw-connection";
import { eventually, ListeningLogger, openProxy, statusOf, unique, withoutOpenProxy } from "./support";

const nodes: Node[] = [];

async function started(node: Node): Promise<Node> {
  nodes.push(node);
  await node.start();
  return node;
}

function quietNode(proxy: ProxyClient, options: ConstructorParameters<typeof Node>[1] = {}): Node {
  return new Node(proxy, { logger: new ListeningLogger(), ...options });
}

describe("a callback node on the real proxy", { skip: withoutOpenProxy }, () => {
  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it("answers a request and its reply comes back", async () => {
    const topic = unique("ts.echo");
    const node = quietNode(openProxy()).service(topic, (d: Delivery) => ({ got: d.data, topic: d.topic }));
    await started(node);

    const result = await node.request(topic, { n: 1 }, 10);

    assert.equal(result.code, 200);
    assert.deepEqual(result.data, { got: { n: 1 }, topic });
  });

  it("lets a service choose its code, and a failing handler answers 500", async () => {
    const refused = unique("ts.refused");
    const failing = unique("ts.failing");
    const node = quietNode(openProxy())
      .service(refused, () => new Reply({ error: "no" }, 422))
      .service(failing, async () => {
        throw new Error("broken on purpose");
      });
    await started(node);

    const chosen = await node.request(refused, null, 10);
    const failed = await node.request(failing, null, 10);

    assert.deepEqual([chosen.code, chosen.data], [422, { error: "no" }]);
    assert.deepEqual([failed.code, failed.data], [500, { error: "broken on purpose" }]);
  });

  it("delivers a signal to a wildcard slot with its concrete topic", async () => {
    const prefix = unique("ts.events");
    const got: Delivery[] = [];
    const node = quietNode(openProxy()).slot(`${prefix}.*`, (d) => void got.push(d));
    await started(node);

    const sender = await node.signal(`${prefix}.started`, { by: "test" });

    const delivery = await eventually(() => got[0], () => "the slot got nothing");
    assert.deepEqual([delivery.topic, delivery.data, delivery.sender], [`${prefix}.started`, { by: "test" }, sender]);
  });

  it("keeps the connection usable after a delivery to a path it does not serve", async () => {
    const served = unique("ts.served");
    const unserved = unique("ts.unserved");
    const node = quietNode(openProxy()).service(served, (d) => d.data);
    await started(node);
    await node.proxy.addService(node.nodeId!, { topic: unserved, path: "/not-served-here", group: "_default" });

    const missing = await node.request(unserved, { pad: "x".repeat(200) }, 10);
    const next = [];
    for (let i = 0; i < 3; i++) next.push(await node.request(served, i, 10));

    assert.equal(missing.code, 404);
    assert.deepEqual(next.map((r) => [r.code, r.data]), [[200, 0], [200, 1], [200, 2]]);
  });

  it("deregisters once when stopped during run()", async () => {
    const log = new ListeningLogger();
    const node = new Node(openProxy(), { logger: log }).service(unique("ts.run"), () => null);
    const running = node.run();
    const nodeId = await eventually(() => node.nodeId, () => "the node never registered");
    await eventually(async () => (await statusOf(node.proxy, nodeId)) === "ok", () => "the node is not ok");

    await node.stop();
    await running;

    assert.deepEqual(log.lines.filter((line) => line.includes("could not deregister")), []);
    assert.equal(log.lines.filter((line) => line === `info node ${nodeId} deregistered`).length, 1, log.lines.join("\n"));
    assert.equal(await statusOf(node.proxy, nodeId), undefined);
  });

  it("registers again when the proxy forgot it and it sends", async () => {
    const topic = unique("ts.forgotten");
    const node = quietNode(openProxy(), { watchIntervalSeconds: 3600 }).service(topic, () => "still here");
    const forgotten = (await started(node)).nodeId!;
    await new ProxyClient(node.proxy.baseUrl).deregister(forgotten);

    const result = await node.request(topic, null, 10);

    assert.deepEqual([result.code, result.data], [200, "still here"]);
    assert.notEqual(node.nodeId, forgotten);
  });

  it("registers again by itself when it only serves and the proxy forgot it", async () => {
    const node = quietNode(openProxy(), { watchIntervalSeconds: 0.2 }).service(unique("ts.watched"), () => "back");
    const forgotten = (await started(node)).nodeId!;
    const outsider = new ProxyClient(node.proxy.baseUrl);
    await outsider.deregister(forgotten);

    const current = await eventually(() => (node.nodeId !== forgotten ? node.nodeId : undefined), () => `still ${node.nodeId}`);
    await eventually(async () => (await statusOf(outsider, current)) === "ok", () => `${current} is not ok`);
  });

  it("asks to be activated when the proxy marked it dirty", async () => {
    // The health monitor marks a node dirty when its port refuses connections, and probes it no more: only
    // POST /nodes/{id}/activate brings it back. The node's server goes away and comes back on the same port.
    const topic = unique("ts.dirty");
    const node = quietNode(openProxy(), { watchIntervalSeconds: 0.2 }).service(topic, () => "active again");
    const nodeId = (await started(node)).nodeId!;
    const port = node.port!;
    const internals = node as unknown as { server: CallbackServer; routes: Routes };
    await internals.server.stop();
    await eventually(async () => (await statusOf(node.proxy, nodeId)) === "dirty", () => `${nodeId} never dirty`);

    internals.server = new CallbackServer({
      host: node.host, port, routes: internals.routes, healthPath: node.healthCheck, healthy: () => true,
      gets: new Map(), log: node.log,
    });
    await internals.server.start();

    await eventually(async () => (await statusOf(node.proxy, nodeId)) === "ok", () => `${nodeId} not activated`);
    assert.equal((await node.request(topic, null, 10)).data, "active again");
    assert.equal(node.nodeId, nodeId);
  });

  it("rejects a registration the proxy refuses instead of retrying", async () => {
    const node = quietNode(openProxy(), { healthCheck: "no-leading-slash" }).service(unique("ts.bad"), () => null);
    nodes.push(node);

    await assert.rejects(node.start(), (error: unknown) => error instanceof ProxyError && error.status === 400);
  });
});

describe("the node's HTTP server on one kept-open connection", () => {
  let server: CallbackServer;
  let connection: RawConnection;

  before(async () => {
    const routes = new Routes();
    routes.add(new Route("service", "echo", "/services/echo", (d) => d.data));
    server = new CallbackServer({
      host: "127.0.0.1", port: 0, routes, healthPath: "/health", healthy: () => true, gets: new Map(), log: consoleLogger,
    });
    await server.start();
    connection = await RawConnection.open(server.address.port);
  });

  after(async () => {
    connection.close();
    await server.stop();
  });

  it("answers 404 to an unserved path and serves the next delivery on the same connection", async () => {
    const delivery = JSON.stringify({ topic: "echo", sender: "s", data: { big: "y".repeat(5000) }, timeout: 5 });

    const missing = await connection.exchange(post("/nowhere", delivery));
    const served = await connection.exchange(post("/services/echo", delivery));

    assert.equal(missing.status, 404);
    assert.match(missing.body, /\/nowhere/);
    assert.deepEqual([served.status, JSON.parse(served.body)], [200, { big: "y".repeat(5000) }]);
  });

  it("reads a chunked delivery whole and answers 400 in JSON to one that is not JSON", async () => {
    const body = '{"data": "chunked"}';
    const chunked = `POST /services/echo HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

    const whole = await connection.exchange(chunked);
    const bad = await connection.exchange(post("/services/echo", "not json"));
    const next = await connection.exchange(post("/services/echo", '{"data": 3}'));

    assert.deepEqual([whole.status, JSON.parse(whole.body)], [200, "chunked"]);
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).status, /not a delivery/);
    assert.deepEqual([next.status, next.body], [200, "3"]);
  });
});
