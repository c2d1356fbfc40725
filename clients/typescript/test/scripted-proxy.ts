/**
 * A stand-in for the proxy's stream routes, driven by the test, for what the real proxy cannot be made to do on
 * demand: fall silent in the middle of a stream, refuse it a few times, close it for a chosen reason.
 *
 * It serves, on loopback: POST /nodes (ids node-1, node-2, ... with tokens token-1, ...), GET /nodes/{id}/stream
 * (each accepted stream is handed to the test as a ScriptedStream), POST /nodes/{id}/replies/{delivery} (recorded)
 * and DELETE /nodes/{id} (recorded).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { PATIENCE_MS } from "./support";

export interface RecordedReply {
  nodeId: string;
  deliveryId: string;
  body: { code: number; data: unknown };
  authorization: string | undefined;
}

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
  streamRequests = 0;
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
      this.replies.put({
        nodeId: parts[1], deliveryId: parts[3], body: JSON.parse(text), authorization: request.headers.authorization,
      });
      return answer(response, 200, { status: "ok" });
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
}

function answer(response: ServerResponse, status: number, value: unknown): void {
  const payload = JSON.stringify(value);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  response.end(payload);
}
