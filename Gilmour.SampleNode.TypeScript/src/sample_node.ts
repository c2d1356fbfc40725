/**
 * The TypeScript sample Gilmour node: a service the Python sample node requests, a slot, and round trips at start.
 *
 * Service (exclusion group "sample-ts"):
 *   sample.shout  message {"text": "..."} or a string; answers {"text": "..."} in capitals, code 400 without text.
 * Slot:
 *   sample.events.*  logs each signal and keeps the last ones; GET /received lists them.
 * GET /node answers the node id the proxy gave this process; GET /peer requests sample.fib of the Python sample node
 * now and answers {"topic", "code", "data"}.
 * At start it requests sample.fib of the Python sample node (Gilmour.SampleNode.Python), retrying while nobody
 * serves it yet, and signals sample.events.started.
 *
 * Environment: PORT (listen port), HOST (bind address), services__controlapi__http__0 or GILMOUR_PROXY_URL (the
 * proxy's control API), GILMOUR_API_KEY (the proxy's admin key, if it requires one), GILMOUR_TRANSPORT (callback,
 * the default, or stream).
 */
import { setTimeout as sleep } from "node:timers/promises";

import { Delivery, Node, ProxyError, Reply } from "gilmour-proxy";

const KEPT_SIGNALS = 100;
const PEER_TOPIC = "sample.fib";
const PEER_ATTEMPTS = 30;
const PEER_RETRY_MS = 2000;

const node = Node.fromEnvironment();
const received: Array<{ topic: string; sender: string; data: unknown }> = [];

node
  .service("sample.shout", shout, { group: "sample-ts", timeout: 10 })
  .slot("sample.events.*", (delivery) => {
    console.log(`signal on ${delivery.topic} from ${delivery.sender}: ${JSON.stringify(delivery.data)}`);
    received.push({ topic: delivery.topic, sender: delivery.sender, data: delivery.data });
    if (received.length > KEPT_SIGNALS) received.shift();
  })
  .get("/node", () => ({ id: node.nodeId ?? null, port: node.port ?? null, transport: node.transport }))
  .get("/peer", async () => {
    // The Python sample node's service, requested now through the proxy.
    const result = await node.request(PEER_TOPIC, { n: 10 }, 10);
    return { topic: PEER_TOPIC, code: result.code, data: result.data };
  })
  .get("/received", () => ({ signals: received }));

function shout(delivery: Delivery): unknown {
  const data = delivery.data;
  const text = typeof data === "string" ? data : (data as { text?: unknown } | null)?.text;
  if (typeof text !== "string" || !text) return new Reply({ error: 'message must be a string or {"text": "..."}' }, 400);
  return { text: text.toUpperCase() };
}

/** Requests the Python sample node's service; code 404 means nobody serves it (yet): it may start later, or not at all. */
async function askPeer(): Promise<void> {
  for (let attempt = 0; attempt < PEER_ATTEMPTS; attempt++) {
    let result;
    try {
      result = await node.request(PEER_TOPIC, { n: 10 }, 10);
    } catch (error) {
      console.warn(`request ${PEER_TOPIC} failed: ${error instanceof ProxyError ? error.message : error}`);
      return;
    }
    if (result.code !== 404) {
      console.log(`peer: request ${PEER_TOPIC} {n: 10} answered code ${result.code}: ${JSON.stringify(result.data)}`);
      return;
    }
    await sleep(PEER_RETRY_MS, undefined, { ref: false });
  }
  console.log(`peer: nobody serves ${PEER_TOPIC}; is the Python sample node running?`);
}

async function main(): Promise<void> {
  await node.start();
  try {
    const sender = await node.signal("sample.events.started", { node: node.nodeId, language: "typescript" });
    console.log(`round trip: signal sample.events.started sent (sender ${sender})`);
  } catch (error) {
    // The node keeps serving: the round trip only shows the way; it is not what the node is for.
    console.warn(`round trip failed: ${error instanceof Error ? error.message : error}`);
  }
  void askPeer();
  await node.run();
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
