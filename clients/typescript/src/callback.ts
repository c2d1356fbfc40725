/** The callback transport: the node serves HTTP and the proxy POSTs each delivery to the subscription's path. */

import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Logger } from "./logger";
import type { Delivery } from "./messages";
import type { Answer, Routes } from "./routes";

/**
 * The proxy's connection pool keeps idle connections for a minute. Node's server would close them after 5 s, and a
 * delivery sent just as the node closes one fails as unreachable; so the node keeps them longer than the proxy.
 */
const KEEP_ALIVE_MS = 75_000;

export interface CallbackServerOptions {
  host: string;
  port: number;
  routes: Routes;
  healthPath: string;
  healthy: () => boolean | Promise<boolean>;
  gets: ReadonlyMap<string, () => unknown>;
  log: Logger;
}

/**
 * The node's HTTP server: its health path, its subscriptions' paths, and GET routes of its own. Every request's body
 * is read to its end before the answer, whatever the answer, so that the kept-open connection stays in step.
 */
export class CallbackServer {
  private readonly server: Server;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: CallbackServerOptions) {
    this.server = createServer((request, response) => {
      const done = this.handle(request, response).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_MS;
  }

  /** The address it listens on (known once started). */
  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops listening and closes idle connections; running deliveries finish and answer first, for at most
   * `drainSeconds`. */
  async stop(drainSeconds = 10): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const drained = Promise.allSettled([...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000).unref())]);
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      response.destroy();
      return;
    }
    const path = new URL(request.url ?? "/", "http://node").pathname;
    let answer: Answer;
    try {
      if (request.method === "POST") answer = await this.deliver(path, body);
      else if (request.method === "GET" || request.method === "HEAD") answer = await this.get(path);
      else answer = { code: 405, data: { status: `${request.method} is not served here` } };
    } catch (error) {
      this.options.log.error(`${request.method} ${path} failed: ${error}`);
      answer = { code: 500, data: { error: String(error) } };
    }
    const payload = JSON.stringify(answer.data ?? null);
    if (response.destroyed) {
      // The proxy closes the connection when a delivery outlives its timeout; it has already replied 499 on the
      // bus, so the late answer has nowhere to go.
      this.options.log.info(`${request.method} ${path}: the proxy was gone before the answer was written`);
      return;
    }
    response.writeHead(answer.code, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(payload),
    });
    response.end(request.method === "HEAD" ? undefined : payload);
  }

  private async deliver(path: string, body: Buffer): Promise<Answer> {
    const route = this.options.routes.get(path);
    if (!route) return { code: 404, data: { status: `this node serves nothing at ${path}` } };
    let fields: Record<string, unknown>;
    try {
      const parsed: unknown = body.length ? JSON.parse(body.toString("utf8")) : {};
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      fields = parsed as Record<string, unknown>;
    } catch (error) {
      return { code: 400, data: { status: `not a delivery: ${error instanceof Error ? error.message : error}` } };
    }
    const delivery: Delivery = {
      topic: typeof fields.topic === "string" ? fields.topic : route.topic,
      sender: typeof fields.sender === "string" ? fields.sender : "",
      data: fields.data ?? null,
      timeout: typeof fields.timeout === "number" ? fields.timeout : undefined,
      path,
    };
    return route.answer(delivery, this.options.log);
  }

  private async get(path: string): Promise<Answer> {
    if (path === this.options.healthPath) {
      const healthy = await this.options.healthy();
      return healthy ? { code: 200, data: { status: "ok" } } : { code: 503, data: { status: "unhealthy" } };
    }
    const handler = this.options.gets.get(path);
    if (handler) return { code: 200, data: await handler() };
    return { code: 404, data: { status: `this node serves nothing at ${path}` } };
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
