/**
 * The stream transport's client side against a scripted stand-in of the proxy's stream routes: the cases the real
 * proxy cannot be made to produce on demand (a stream that falls silent, refusals, each close reason).
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { Delivery, Node, ProxyClient, ProxyError, Reply } from "../src/index";
import { ScriptedProxy, ScriptedStream } from "./scripted-proxy";
import { eventually, ListeningLogger } from "./support";

describe("a stream node", () => {
  let proxy: ScriptedProxy;
  let node: Node;
  let log: ListeningLogger;
  let signals: Delivery[];

  beforeEach(async () => {
    proxy = await ScriptedProxy.start();
    log = new ListeningLogger();
    signals = [];
    node = new Node(new ProxyClient(proxy.url), { transport: "stream", logger: log, streamIdleTimeoutSeconds: 30 })
      .service(
        "shop.price",
        (d) => {
          if (d.data === "bad") throw new Error("bad sku");
          if (d.data === "gone") return new Reply({ error: "no such sku" }, 404);
          return { sku: d.data, price: 42 };
        },
        { group: "shop" },
      )
      .slot("shop.events.*", (d) => void signals.push(d));
  });

  afterEach(async () => {
    await node.stop();
    await proxy.stop();
  });

  /** Starts the node, which resolves start() only once the stream said ready. */
  async function start(): Promise<ScriptedStream> {
    const starting = node.start();
    const stream = await proxy.nextStream();
    stream.ready();
    await starting;
    return stream;
  }

  it("registers with the stream transport and no port", async () => {
    await start();
    const registration = proxy.registrations[0];
    assert.equal(registration.transport, "stream");
    assert.equal("port" in registration, false);
    assert.equal("health_check" in registration, false);
    assert.deepEqual(registration.services, [{ topic: "shop.price", path: "/services/shop.price", group: "shop" }]);
    assert.deepEqual(registration.slots, [{ topic: "shop.events.*", path: "/slots/shop.events._any" }]);
  });

  it("carries the node token on the stream and on the reply", async () => {
    const stream = await start();
    stream.event("request", { id: "d-1", path: "/services/shop.price", topic: "shop.price", sender: "s-1", data: "A-1", timeout: 5 });

    const reply = await proxy.nextReply();

    assert.equal(stream.authorization, "Bearer token-1");
    assert.deepEqual([reply.nodeId, reply.deliveryId, reply.authorization], ["node-1", "d-1", "Bearer token-1"]);
    assert.deepEqual(reply.body, { code: 200, data: { sku: "A-1", price: 42 } });
  });

  it("replies to a chosen code, a failing handler and an unserved path", async () => {
    const stream = await start();
    for (const [id, path, data] of [
      ["gone", "/services/shop.price", "gone"],
      ["bad", "/services/shop.price", "bad"],
      ["nowhere", "/services/nowhere", null],
    ] as const) {
      stream.event("request", { id, path, topic: "shop.price", sender: "s", data, timeout: 5 });
    }
    const replies = new Map<string, unknown>();
    for (let i = 0; i < 3; i++) {
      const reply = await proxy.nextReply();
      replies.set(reply.deliveryId, reply.body);
    }

    assert.deepEqual(replies.get("gone"), { code: 404, data: { error: "no such sku" } });
    assert.deepEqual(replies.get("bad"), { code: 500, data: { error: "bad sku" } });
    assert.equal((replies.get("nowhere") as { code: number }).code, 404);
  });

  it("hands a signal to its slot and posts no reply for it", async () => {
    const stream = await start();
    stream.event("signal", { id: "g-1", path: "/slots/shop.events._any", topic: "shop.events.sold", sender: "s-2", data: { sku: "A-1" } });
    stream.event("request", { id: "after", path: "/services/shop.price", topic: "shop.price", sender: "s", data: "B", timeout: 5 });

    const delivery = await eventually(() => signals[0], () => "the slot got nothing");
    assert.deepEqual([delivery.topic, delivery.sender, delivery.data], ["shop.events.sold", "s-2", { sku: "A-1" }]);
    assert.equal((await proxy.nextReply()).deliveryId, "after", "a reply was posted for the signal");
  });

  it("opens the stream again after the proxy closed it", async () => {
    const first = await start();
    first.close("shutting down");

    const second = await proxy.nextStream();
    second.ready();

    await eventually(() => node.stream.opened === 2, () => `opened ${node.stream.opened}`);
    assert.equal(second.nodeId, "node-1");
  });

  it("does not open the stream again after a newer one replaced it", async () => {
    const first = await start();
    first.close("replaced");

    await eventually(() => !node.stream.running, () => "the stream loop is still running");
    assert.equal(proxy.streams.empty, true, "the node opened another stream");
    assert.equal(proxy.streamRequests, 1);
    assert.ok(log.lines.some((line) => line.startsWith("warn") && line.includes("replaced")), log.lines.join("\n"));
  });

  it("takes a silent stream for dead and opens another", async () => {
    node.stream.idleTimeoutSeconds = 0.5;
    await start(); // then nothing more: no keepalive, no event

    const second = await proxy.nextStream();
    second.ready();

    await eventually(() => node.stream.opened === 2, () => `opened ${node.stream.opened}`);
  });

  it("keeps a quiet stream open while keepalives arrive", async () => {
    node.stream.idleTimeoutSeconds = 2;
    const stream = await start();
    // Eight keepalives 0.3 s apart: 2.4 s in all, longer than the idle timeout, no gap near it.
    for (let i = 0; i < 8; i++) {
      stream.keepalive();
      await sleep(300);
    }
    await eventually(() => node.stream.keepalives === 8, () => `${node.stream.keepalives} keepalives`);

    assert.equal(proxy.streamRequests, 1);
    assert.equal(node.stream.ready, true);
  });

  it("retries refusals until the stream opens", async () => {
    proxy.refusals.push(503, 502);

    await start();

    assert.equal(proxy.streamRequests, 3);
  });

  it("registers again after the node was deleted and streams under its new id", async () => {
    const first = await start();
    first.close("deleted");

    const second = await proxy.nextStream();
    second.ready();

    assert.deepEqual([second.nodeId, second.authorization], ["node-2", "Bearer token-2"]);
    await eventually(() => node.nodeId === "node-2", () => `the node holds ${node.nodeId}`);
  });

  it("rejects start() when the proxy refuses the stream for the wrong transport", async () => {
    proxy.refusals.push(409);

    await assert.rejects(node.start(), (error: unknown) => error instanceof ProxyError && error.status === 409);
    assert.ok(log.lines.some((line) => line.startsWith("error")), log.lines.join("\n"));
  });

  it("closes the stream and deregisters once when stopped twice", async () => {
    await start();

    await Promise.all([node.stop(), node.stop()]);

    assert.deepEqual(proxy.deletions, ["node-1"]);
    assert.equal(node.stream.ready, false);
  });
});
