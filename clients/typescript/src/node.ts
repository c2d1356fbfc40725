/** A Gilmour node: declares services and slots, registers with the proxy, serves them, sends through it. */

import { CallbackServer } from "./callback";
import { ProxyClient, Registered } from "./client";
import { Environment, proxyUrlFromEnvironment } from "./environment";
import { ProxyError } from "./errors";
import { consoleLogger, Logger } from "./logger";
import type { Result } from "./messages";
import { Registration } from "./registration";
import { DEFAULT_GROUP, defaultPath, Handler, Route, RouteKind, RouteOptions, Routes } from "./routes";
import { NodeStream } from "./stream";

/** How the proxy reaches a node's handlers: it calls the node's HTTP server, or the node reads an event stream. */
export type NodeTransport = "callback" | "stream";

export interface NodeOptions {
  /** `callback` (default): the node serves HTTP, the proxy POSTs deliveries to it and checks its health path.
   * `stream`: the node opens `GET /nodes/{id}/stream` and answers with POSTs, so it needs no port the proxy can
   * reach (behind NAT, in a container without ingress). */
  transport?: NodeTransport;
  /** Where the node listens (0: the OS picks one; a callback node's default). A stream node serves HTTP (its health
   * path and `get` routes, for an orchestrator's health checks) only when given a port. */
  port?: number;
  /** The address to listen on (default 127.0.0.1). The proxy calls a callback node back at the address its
   * registration came from, so keep it the one that reaches the proxy. */
  host?: string;
  /** The health path (default `/health`). */
  healthCheck?: string;
  /** Seconds between a callback node's checks that the proxy still knows it as ok (default 5). */
  watchIntervalSeconds?: number;
  /** Seconds of silence after which a stream is taken for dead and reopened (default 45; the proxy writes a
   * keepalive every 15 s by default). */
  streamIdleTimeoutSeconds?: number;
  logger?: Logger;
}

/**
 * A Gilmour node registered with the proxy. Declare handlers with `service` and `slot`, then `start()` (resolves
 * once the node's subscriptions are live) or `run()` (also waits for SIGTERM or Ctrl+C, then deregisters).
 */
export class Node {
  readonly proxy: ProxyClient;
  readonly transport: NodeTransport;
  readonly host: string;
  readonly healthCheck: string;
  readonly watchIntervalSeconds: number;
  readonly log: Logger;
  /** The stream of a stream node: `ready`, and its `opened` and `keepalives` counts. */
  readonly stream: NodeStream;

  private readonly requestedPort: number | undefined;
  private readonly routes = new Routes();
  private readonly gets = new Map<string, () => unknown>();
  private healthy: (() => boolean | Promise<boolean>) | undefined;
  private readonly stopping = new AbortController();
  private readonly registration: Registration;
  private server: CallbackServer | undefined;
  private started: Promise<string> | undefined;
  private stopped: Promise<void> | undefined;
  private watch: NodeJS.Timeout | undefined;
  private watching = false;

  constructor(proxy: ProxyClient, options: NodeOptions = {}) {
    const transport = options.transport ?? "callback";
    if (transport !== "callback" && transport !== "stream")
      throw new Error(`transport must be callback or stream, not ${transport} (a program that only sends: Sender)`);
    this.proxy = proxy;
    this.transport = transport;
    this.host = options.host ?? "127.0.0.1";
    this.healthCheck = options.healthCheck ?? "/health";
    this.watchIntervalSeconds = options.watchIntervalSeconds ?? 5;
    this.log = options.logger ?? consoleLogger;
    this.requestedPort = options.port ?? (transport === "callback" ? 0 : undefined);
    this.registration = new Registration(proxy, () => this.register(), this.stopping.signal, this.log, (id) =>
      this.restore(id),
    );
    this.stream = new NodeStream(proxy, this.registration, this.routes, this.stopping.signal, this.log, {
      idleTimeoutSeconds: options.streamIdleTimeoutSeconds,
    });
  }

  /**
   * A node configured the way the app host runs it: the proxy's URL from service discovery or `GILMOUR_PROXY_URL`,
   * `GILMOUR_API_KEY` if the proxy requires one, `GILMOUR_TRANSPORT` (`callback`, the default, or `stream`), `PORT`
   * to listen on, `HOST` to bind (default 127.0.0.1). Options given here override the environment.
   */
  static fromEnvironment(options: NodeOptions = {}, env: Environment = process.env): Node {
    const proxy = new ProxyClient(proxyUrlFromEnvironment(env), { apiKey: env["GILMOUR_API_KEY"] });
    return new Node(proxy, {
      transport: (env["GILMOUR_TRANSPORT"] as NodeTransport | undefined) || undefined,
      port: env["PORT"] ? Number(env["PORT"]) : undefined,
      host: env["HOST"] || undefined,
      ...definedOnly(options),
    });
  }

  // -- declaring what the node serves ----------------------------------------------------------------------------

  /**
   * `handler` answers requests on `topic` (no wildcards): it gets a Delivery and returns (or resolves) the reply's
   * data (code 200), or a Reply to choose the code; a throw becomes code 500. Within one exclusion group only one
   * subscriber handles each request.
   */
  service(topic: string, handler: Handler, options: RouteOptions = {}): this {
    if (topic.includes("*")) throw new Error("a service topic cannot be a wildcard; use a slot");
    return this.route("service", topic, handler, { group: DEFAULT_GROUP, ...definedOnly(options) });
  }

  /** `handler` receives signals on `topic`, which may end in a wildcard (`events.*`); its return value is ignored. */
  slot(topic: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route("slot", topic, handler, options);
  }

  /** A plain GET route of this node's own HTTP server (not a Gilmour subscription); answers JSON. */
  get(path: string, handler: () => unknown): this {
    this.gets.set(path, handler);
    return this;
  }

  /** What the health path answers (true: 200, false: 503). Default: a callback node is always healthy; a stream
   * node is healthy while its stream is open. */
  health(check: () => boolean | Promise<boolean>): this {
    this.healthy = check;
    return this;
  }

  private route(kind: RouteKind, topic: string, handler: Handler, options: RouteOptions): this {
    if (!topic) throw new Error("topic must not be empty");
    const path = options.path ?? defaultPath(kind, topic);
    if (path === this.healthCheck) throw new Error(`path ${path} is the health path`);
    this.routes.add(new Route(kind, topic, path, handler, options.group, options.timeout));
    return this;
  }

  // -- running ---------------------------------------------------------------------------------------------------

  /** The port this node listens on (known once started; undefined for a stream node without HTTP). */
  get port(): number | undefined {
    return this.server ? this.server.address.port : this.requestedPort;
  }

  /** The id the proxy gave this node, once registered. */
  get nodeId(): string | undefined {
    return this.registration.nodeId;
  }

  /**
   * Serves (a callback node's HTTP first: the proxy checks its health before it accepts it), registers (retrying
   * while the proxy does not answer), and resolves the node id once the node's subscriptions are live. Calling it
   * again resolves the same id.
   */
  start(): Promise<string> {
    this.started ??= this.startOnce();
    return this.started;
  }

  private async startOnce(): Promise<string> {
    if (this.requestedPort !== undefined) {
      this.server = new CallbackServer({
        host: this.host,
        port: this.requestedPort,
        routes: this.routes,
        healthPath: this.healthCheck,
        healthy: () => this.isHealthy(),
        gets: this.gets,
        log: this.log,
      });
      await this.server.start();
      this.log.info(`node listens on http://${this.host}:${this.server.address.port}`);
    }
    const nodeId = await this.registration.registerUntilAccepted();
    if (this.transport === "stream") {
      this.stream.start();
      await this.stream.whenSettled();
      if (this.stream.failure) throw this.stream.failure;
    } else {
      this.watch = setInterval(() => void this.keepRegistered(), this.watchIntervalSeconds * 1000);
      this.watch.unref();
    }
    return this.registration.nodeId ?? nodeId;
  }

  /** `start()`, then wait for SIGTERM, Ctrl+C (SIGINT) or `stop()`; then deregister and stop. */
  async run(): Promise<void> {
    const stop = () => void this.stop();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      await this.start();
      await new Promise<void>((resolve) => {
        if (this.stopping.signal.aborted) resolve();
        else this.stopping.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await this.stop();
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
    }
  }

  /** Deregisters (best effort: the proxy may be gone already) and stops serving. Every call shares the first. */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.watch);
    await this.stream.stop();
    const nodeId = this.registration.forget();
    if (nodeId) {
      try {
        await this.proxy.deregister(nodeId);
        this.log.info(`node ${nodeId} deregistered`);
      } catch (error) {
        this.log.info(`could not deregister node ${nodeId}: ${error instanceof Error ? error.message : error}`);
      }
    }
    await this.server?.stop();
  }

  // -- sending through the proxy ---------------------------------------------------------------------------------

  /** Sends a Gilmour request and waits for its reply. Check `result.code`: 200 ok, 404 nobody serves the topic, 499
   * timed out, or whatever the responder chose. `timeout` in seconds. */
  request(topic: string, message?: unknown, timeout?: number): Promise<Result> {
    return this.registration.asKnownNode((id) => this.proxy.request(id, topic, message, timeout));
  }

  /** Runs a composition (pipe, andand, oror, batch, parallel) through the proxy. */
  compose(composition: object, message?: unknown, timeout?: number): Promise<Result> {
    return this.registration.asKnownNode((id) => this.proxy.compose(id, composition, message, timeout));
  }

  /** Emits a Gilmour signal to every slot of `topic`; resolves its sender id. */
  signal(topic: string, message?: unknown): Promise<string> {
    return this.registration.asKnownNode((id) => this.proxy.signal(id, topic, message));
  }

  // -- staying registered ----------------------------------------------------------------------------------------

  private register(): Promise<Registered> {
    const services = this.routes.subscriptions("service");
    const slots = this.routes.subscriptions("slot");
    if (this.transport === "stream") return this.proxy.register({ transport: "stream", services, slots });
    return this.proxy.register({ port: this.port, healthCheck: this.healthCheck, services, slots });
  }

  /** The proxy holds the node as not ok. A callback node asks to be activated (the proxy checks its health first); a
   * stream node is ok again once its stream is back, which the stream's own loop sees to. */
  private async restore(nodeId: string): Promise<void> {
    if (this.transport === "callback") {
      await this.proxy.activate(nodeId);
    } else if (!(await this.stream.whenReady(this.proxy.registrationTimeoutSeconds))) {
      throw new ProxyError(503, `the stream of node ${nodeId} is not open`);
    }
  }

  private async isHealthy(): Promise<boolean> {
    if (this.healthy) return this.healthy();
    return this.transport === "callback" || this.stream.ready;
  }

  /** A callback node that only serves never hears that the proxy forgot it or marked it dirty; it asks. */
  private async keepRegistered(): Promise<void> {
    const nodeId = this.registration.nodeId;
    if (!nodeId || this.watching || this.stopping.signal.aborted) return;
    this.watching = true;
    try {
      let status: unknown;
      try {
        status = (await this.proxy.node(nodeId)).status;
      } catch (error) {
        // Forgotten: register again. Anything else (the proxy restarting, say): look again next round.
        if (error instanceof ProxyError && (await this.registration.forgotten(nodeId, error)))
          await this.registration.recover(nodeId, error);
        return;
      }
      if (status === "dirty") {
        this.log.info(`the proxy holds node ${nodeId} as dirty; asking to activate it`);
        await this.proxy.activate(nodeId);
      }
    } catch (error) {
      this.log.info(`could not restore node ${nodeId} yet: ${error instanceof Error ? error.message : error}`);
    } finally {
      this.watching = false;
    }
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
