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
  let priced: Delivery[];

  beforeEach(async () => {
    proxy = await ScriptedProxy.start();
    log = new ListeningLogger();
    signals = [];
    priced = [];
    node = new Node(new ProxyClient(proxy.url), { transport: "stream", logger: log, streamIdleTimeoutSeconds: 30 })
      .service(
        "shop.price",
        (d) => {
          priced.push(d);
          if (d.data === "bad") throw new Error("bad sku");
          if (d.data === "gone") return new Reply({ error: "no such sku" }, 404);
          if (d.data === "odd") return new Reply("odd", 700);
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

  /** Sends a request event for shop.price (or the service at `path`). */
  function request(stream: ScriptedStream, id: string, data: unknown, path = "/services/shop.price"): void {
    stream.event("request", { id, path, topic: "shop.price", sender: "s", data, timeout: 5 });
  }

  /** Lets every reply whose handler has returned reach the reply sender's queue (a few promise steps on). */
  function settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
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
    assert.deepEqual(proxy.replyPosts, [{ batch: true, deliveryIds: ["d-1"] }]);
  });

  it("replies at once when idle and batches the replies that became ready during a POST", async () => {
    const stream = await start();
    const release = proxy.holdReplyPost();
    request(stream, "d-1", "A-1");
    const first = await proxy.nextReply();
    for (const id of ["d-2", "d-3", "d-4"]) request(stream, id, id);
    await eventually(() => priced.length === 4, () => `${priced.length} handled`);
    await settle();

    assert.equal(proxy.replyPosts.length, 1, "a reply went out while the first POST was in flight");
    release();
    const later = [await proxy.nextReply(), await proxy.nextReply(), await proxy.nextReply()];

    assert.deepEqual([first.deliveryId, first.post], ["d-1", 0]);
    assert.deepEqual(later.map((reply) => [reply.deliveryId, reply.post]), [["d-2", 1], ["d-3", 1], ["d-4", 1]]);
    assert.deepEqual(later[2].body, { code: 200, data: { sku: "d-4", price: 42 } });
    assert.deepEqual(proxy.replyPosts.map((post) => post.deliveryIds), [["d-1"], ["d-2", "d-3", "d-4"]]);
  });

  it("logs a reply the proxy did not take inside a batch and goes on replying", async () => {
    const stream = await start();
    proxy.replyStatuses.set("late", 410);
    const release = proxy.holdReplyPost();
    request(stream, "first", "A");
    await proxy.nextReply();
    request(stream, "late", "B");
    request(stream, "after", "C");
    await eventually(() => priced.length === 3, () => `${priced.length} handled`);
    await settle();
    release();

    assert.deepEqual([(await proxy.nextReply()).deliveryId, (await proxy.nextReply()).deliveryId], ["late", "after"]);
    await eventually(
      () => log.lines.find((line) => line.startsWith("info reply to late on shop.price not taken (410")),
      () => log.lines.join("\n"),
    );
    request(stream, "later", "D");
    const later = await proxy.nextReply();

    assert.deepEqual([later.deliveryId, later.post], ["later", 2]);
    assert.equal(log.lines.filter((line) => line.startsWith("warn")).length, 0, log.lines.join("\n"));
  });

  it("sends the halves of a batch the proxy refused as malformed again, so one bad reply costs only itself", async () => {
    const stream = await start();
    const release = proxy.holdReplyPost();
    request(stream, "first", "A");
    await proxy.nextReply();
    request(stream, "odd", "odd");
    request(stream, "fine", "B");
    await eventually(() => priced.length === 3, () => `${priced.length} handled`);
    await settle();
    release();

    const fine = await proxy.nextReply();
    await eventually(
      () => log.lines.find((line) => line.startsWith("warn could not reply to odd on shop.price: 400")),
      () => log.lines.join("\n"),
    );
    assert.deepEqual(fine.body, { code: 200, data: { sku: "B", price: 42 } });
    assert.deepEqual(proxy.replyPosts.map((post) => post.deliveryIds), [["first"], ["odd", "fine"], ["odd"], ["fine"]]);
  });

  it("warns for each reply of a refused POST and goes on replying", async () => {
    const stream = await start();
    proxy.replyPostRefusals.push(503);
    request(stream, "lost", "A");
    await eventually(
      () => log.lines.find((line) => line.startsWith("warn could not reply to lost on shop.price: 503")),
      () => log.lines.join("\n"),
    );

    request(stream, "kept", "B");

    assert.equal((await proxy.nextReply()).deliveryId, "kept");
    assert.deepEqual(proxy.replyPosts.map((post) => post.deliveryIds), [["lost"], ["kept"]]);
  });

  it("sends the replies still queued before stop() resolves", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let slowStarted = false;
    node.service("shop.slow", async (d) => {
      slowStarted = true;
      await gate;
      return { slow: d.data };
    });
    const stream = await start();
    const release = proxy.holdReplyPost();
    request(stream, "quick", "A");
    await proxy.nextReply();
    request(stream, "slow", "B", "/services/shop.slow");
    await eventually(() => slowStarted, () => "the slow service was not called");

    const stopping = node.stop();
    open(); // the slow reply becomes ready while the quick one's POST is still held, so it waits in the queue
    await settle();
    release();
    await stopping;

    assert.deepEqual(proxy.replyPosts.map((post) => post.deliveryIds), [["quick"], ["slow"]]);
    assert.deepEqual((await proxy.nextReply()).body, { code: 200, data: { slow: "B" } });
    assert.deepEqual(proxy.deletions, ["node-1"]);
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
