/**
 * A stand-in for the proxy's stream routes, driven by the test, for what the real proxy cannot be made to do on
 * demand: fall silent in the middle of a stream, refuse it a few times, close it for a chosen reason.
 *
 * It serves, on loopback: POST /nodes (ids node-1, node-2, ... with tokens token-1, ...), GET /nodes/{id}/stream
 * (each accepted stream is handed to the test as a ScriptedStream), POST /nodes/{id}/replies/{delivery} and
 * POST /nodes/{id}/replies (each reply recorded alike, whichever route carried it), and DELETE /nodes/{id}
 * (recorded).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { PATIENCE_MS } from "./support";

export interface RecordedReply {
  nodeId: string;
  deliveryId: string;
  /** As the single route takes it; a batch's item is filled in with the proxy's defaults (code 200, data null). */
  body: { code: number; data: unknown };
  authorization: string | undefined;
  /** Which reply POST carried it: its index in `ScriptedProxy.replyPosts`. */
  post: number;
}

/** One POST of replies as it arrived, whatever the proxy answered it with. */
export interface RecordedPost {
  /** POST /nodes/{id}/replies rather than POST /nodes/{id}/replies/{delivery}. */
  batch: boolean;
  deliveryIds: string[];
}

/** What a batch item must look like for the real proxy to take the batch. */
const REPLY_FIELDS = new Set(["id", "code", "data"]);

/** One open stream: what the test writes goes out as Server-Sent Events. */
export class ScriptedStream {
  constructor(
    readonly nodeId: string,
    readonly authorization: string | undefined,
    private readonly response: ServerResponse,
  ) {}

  event(name: string, data: unknown): void {
    this.response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  ready(): void {
    this.event("ready", { id: this.nodeId });
  }

  keepalive(): void {
    this.response.write(": keepalive\n\n");
  }

  close(reason: string): void {
    this.event("close", { reason });
    this.response.end();
  }

  end(): void {
    this.response.end();
  }
}

/** A queue that hands each item to the next taker, waiting for one if none is there. */
class Arrivals<T> {
  private readonly items: T[] = [];
  private readonly takers: Array<(item: T) => void> = [];

  put(item: T): void {
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  take(what: string, withinMs = PATIENCE_MS): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${withinMs / 1000} s`)), withinMs);
      this.takers.push((arrived) => {
        clearTimeout(timer);
        resolve(arrived);
      });
    });
  }
}

export class ScriptedProxy {
  readonly streams = new Arrivals<ScriptedStream>();
  readonly replies = new Arrivals<RecordedReply>();
  /** Statuses to answer the next stream requests with, in turn, before accepting one. */
  readonly refusals: number[] = [];
  readonly registrations: Array<Record<string, unknown>> = [];
  readonly deletions: string[] = [];
  /** Every reply POST, in the order they arrived. */
  readonly replyPosts: RecordedPost[] = [];
  /** Statuses to answer whole reply POSTs with, in turn (nothing of such a POST is taken). */
  readonly replyPostRefusals: number[] = [];
  /** The status a reply to this delivery gets, on either route (default 200). */
  readonly replyStatuses = new Map<string, number>();
  streamRequests = 0;
  private readonly holds: Array<Promise<void>> = [];
  private readonly open = new Set<ServerResponse>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  static async start(): Promise<ScriptedProxy> {
    const proxy = new ScriptedProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  nextStream(): Promise<ScriptedStream> {
    return this.streams.take("stream");
  }

  nextReply(): Promise<RecordedReply> {
    return this.replies.take("reply");
  }

  /**
   * Holds the next reply POST open: its replies are recorded when it arrives, but it is answered only once the
   * returned function is called, so replies that become ready meanwhile have to wait for it.
   */
  holdReplyPost(): () => void {
    let release!: () => void;
    this.holds.push(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  async stop(): Promise<void> {
    for (const response of this.open) response.end();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const parts = (request.url ?? "").split("?")[0].split("/").filter(Boolean);
    if (request.method === "POST" && parts.length === 1 && parts[0] === "nodes") {
      this.registrations.push(text ? JSON.parse(text) : {});
      const n = this.registrations.length;
      return answer(response, 201, { id: `node-${n}`, status: "unavailable", token: `token-${n}` });
    }
    if (request.method === "POST" && parts.length === 4 && parts[2] === "replies") {
      const body = JSON.parse(text) as { code: number; data: unknown };
      return this.replied(request, response, parts[1], [{ id: parts[3], code: body.code, data: body.data }], false);
    }
    if (request.method === "POST" && parts.length === 3 && parts[2] === "replies") {
      const body = JSON.parse(text) as { replies?: unknown };
      const items = Array.isArray(body.replies) ? (body.replies as BatchItem[]) : [];
      return this.replied(request, response, parts[1], items, true, malformed(body.replies));
    }
    if (request.method === "DELETE" && parts.length === 2) {
      this.deletions.push(parts[1]);
      return answer(response, 200, { status: "ok" });
    }
    if (request.method === "GET" && parts.length === 3 && parts[2] === "stream") {
      this.streamRequests++;
      const refusal = this.refusals.shift();
      if (refusal !== undefined) return answer(response, refusal, { status: `refused with ${refusal} by the script` });
      response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      response.flushHeaders();
      this.open.add(response);
      response.on("close", () => this.open.delete(response));
      this.streams.put(new ScriptedStream(parts[1], request.headers.authorization, response));
      return;
    }
    answer(response, 404, { status: "no such route" });
  }

  /**
   * Records one reply POST (held open if the test asked), answered as the route that got it answers; a batch the
   * real proxy would refuse as malformed (`malformedBecause`) is answered 400 and nothing of it is taken.
   */
  private async replied(
    request: IncomingMessage, response: ServerResponse, nodeId: string, items: BatchItem[], batch: boolean,
    malformedBecause?: string,
  ): Promise<void> {
    const post = this.replyPosts.push({ batch, deliveryIds: items.map((item) => String(item?.id)) }) - 1;
    const hold = this.holds.shift();
    if (malformedBecause !== undefined) {
      await hold;
      return answer(response, 400, { status: malformedBecause });
    }
    const refusal = this.replyPostRefusals.shift();
    if (refusal === undefined) {
      for (const item of items) {
        this.replies.put({
          nodeId,
          deliveryId: item.id,
          body: { code: item.code ?? 200, data: item.data ?? null },
          authorization: request.headers.authorization,
          post,
        });
      }
    }
    await hold;
    if (refusal !== undefined) return answer(response, refusal, { status: `refused with ${refusal} by the script` });
    const results = items.map((item) => {
      const status = this.replyStatuses.get(item.id) ?? 200;
      return status === 200 ? { id: item.id, status } : { id: item.id, status, error: `given ${status} by the script` };
    });
    if (!batch) {
      const { status } = results[0];
      return answer(response, status, status === 200 ? { status: "ok" } : { status: results[0].error });
    }
    answer(response, 200, { results });
  }
}

interface BatchItem {
  id: string;
  code?: number;
  data?: unknown;
}

/** Why the real proxy would refuse a batch whose `replies` are these with 400, if it would. */
function malformed(replies: unknown): string | undefined {
  if (!Array.isArray(replies) || replies.length < 1 || replies.length > 1000)
    return "replies must be a list of 1 to 1000 replies";
  for (const item of replies as unknown[]) {
    if (item === null || typeof item !== "object") return "a reply must be an object";
    const fields = Object.keys(item);
    if (fields.some((field) => !REPLY_FIELDS.has(field))) return `a reply has an unknown field: ${fields.join(", ")}`;
    const { id, code } = item as BatchItem;
    if (typeof id !== "string") return "a reply's id must be a string";
    if (code !== undefined && !(Number.isInteger(code) && code >= 200 && code <= 599))
      return `the code of reply ${id} must be between 200 and 599`;
  }
  return undefined;
}

function answer(response: ServerResponse, status: number, value: unknown): void {
  // A held POST may outlive the connection it came on (the node stopped, the proxy closed it).
  if (response.destroyed) return;
  const payload = JSON.stringify(value);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  response.end(payload);
}
