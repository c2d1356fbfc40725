/** A program that only sends: a node of transport `none`, which serves nothing and is never probed. */

import { ProxyClient } from "./client";
import { Environment, proxyUrlFromEnvironment } from "./environment";
import { consoleLogger, Logger } from "./logger";
import type { Result } from "./messages";
import { Registration } from "./registration";

/**
 * Sends requests, compositions and signals through the proxy without serving anything. It registers as a node of
 * transport `none` on first use (or `open()`): no port, no health path, no stream; the proxy answers at once with
 * status ok. It registers again by itself if the proxy forgot it; `close()` deregisters.
 */
export class Sender {
  private readonly closing = new AbortController();
  private readonly registration: Registration;

  constructor(
    readonly proxy: ProxyClient,
    private readonly log: Logger = consoleLogger,
  ) {
    this.registration = new Registration(proxy, () => proxy.register({ transport: "none" }), this.closing.signal, log);
  }

  /** The proxy's URL and key as `Node.fromEnvironment` reads them. */
  static fromEnvironment(env: Environment = process.env, log?: Logger): Sender {
    return new Sender(new ProxyClient(proxyUrlFromEnvironment(env), { apiKey: env["GILMOUR_API_KEY"] }), log);
  }

  /** The id the proxy gave this sender, once registered. */
  get nodeId(): string | undefined {
    return this.registration.nodeId;
  }

  /** Registers now (retrying while the proxy does not answer) and resolves the node id. */
  open(): Promise<string> {
    return this.registration.ensure();
  }

  /** Sends a Gilmour request and waits for its reply (`result.code` 200, 404 nobody serves it, 499 timed out, or
   * the responder's own). `timeout` in seconds. */
  request(topic: string, message?: unknown, timeout?: number): Promise<Result> {
    return this.registration.asKnownNode((id) => this.proxy.request(id, topic, message, timeout));
  }

  /** Runs a composition (pipe, andand, oror, batch, parallel) through the proxy. */
  compose(composition: object, message?: unknown, timeout?: number): Promise<Result> {
    return this.registration.asKnownNode((id) => this.proxy.compose(id, composition, message, timeout));
  }

  /** Emits a Gilmour signal; resolves its sender id. */
  signal(topic: string, message?: unknown): Promise<string> {
    return this.registration.asKnownNode((id) => this.proxy.signal(id, topic, message));
  }

  /** Deregisters (best effort). Only the first call does anything; sending afterwards rejects. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const nodeId = this.registration.forget();
    if (!nodeId) return;
    try {
      await this.proxy.deregister(nodeId);
    } catch (error) {
      this.log.info(`could not deregister sender ${nodeId}: ${error instanceof Error ? error.message : error}`);
    }
  }
}
