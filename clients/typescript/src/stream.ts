/** The stream transport: the node dials out to `GET /nodes/{id}/stream` and answers with batches of POSTed replies. */

import { describe, ProxyClient } from "./client";
import { ProxyError } from "./errors";
import { EventParser, ServerSentEvent } from "./events";
import type { Logger } from "./logger";
import type { Delivery } from "./messages";
import { FIRST_RETRY_DELAY_MS, LAST_RETRY_DELAY_MS, Registration } from "./registration";
import { ReplySender } from "./replies";
import type { Answer, Routes } from "./routes";
import { pause } from "./stopping";

const REPLACED = "replaced";
const DELETED = "deleted";

export interface NodeStreamOptions {
  /** Seconds of silence after which the stream is taken for dead and reopened (default 45). */
  idleTimeoutSeconds?: number;
  /** Seconds `stop()` lets running handlers finish and reply (default 10). */
  drainSeconds?: number;
}

/** A stream that ended early because of silence, so the loop can tell it from a refusal. */
class SilentStream extends Error {
  constructor(seconds: number) {
    super(`nothing heard for ${seconds} s`);
  }
}

/**
 * Keeps one node's event stream open and hands its deliveries to the node's handlers.
 *
 * The stream is reopened with a growing delay whenever it is lost: refused, cut, closed by the proxy, or silent for
 * longer than the idle timeout (the proxy writes a keepalive comment every few seconds, so silence means a dead
 * connection that TCP alone may take minutes to notice). It is not reopened after the proxy closed it because a
 * newer stream of the same node replaced it: two processes holding one node would otherwise take the stream from
 * each other forever.
 */
export class NodeStream {
  idleTimeoutSeconds: number;
  readonly drainSeconds: number;
  /** Streams opened so far (each `ready` counts one). */
  opened = 0;
  /** Keepalive comments received so far. */
  keepalives = 0;
  /** Why the stream gave up for good (a refusal that retrying would not mend), if it did. */
  failure: ProxyError | undefined;

  private isReady = false;
  private readyWaiters: Array<() => void> = [];
  private settledWaiters: Array<() => void> = [];
  private settled = false;
  private loop: Promise<void> | undefined;
  private current: AbortController | undefined;
  /** Deliveries being handled and replied to: `stop()` waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private replies: ReplySender | undefined;

  constructor(
    private readonly proxy: ProxyClient,
    private readonly registration: Registration,
    private readonly routes: Routes,
    private readonly stopping: AbortSignal,
    private readonly log: Logger,
    options: NodeStreamOptions = {},
  ) {
    this.idleTimeoutSeconds = options.idleTimeoutSeconds ?? 45;
    this.drainSeconds = options.drainSeconds ?? 10;
  }

  /** Whether a stream is open and the node's subscriptions are live. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Whether the reconnecting loop still runs. */
  get running(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      this.settle();
    });
  }

  /** Resolves once the first stream is ready, or the stream gave up (`failure`), or the node stops. */
  whenSettled(): Promise<void> {
    return this.settled ? Promise.resolve() : new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Resolves true once a stream is ready, false after `seconds` without one. */
  whenReady(seconds: number): Promise<boolean> {
    if (this.isReady) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), seconds * 1000).unref();
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Cuts the current stream, as a lost connection would; the loop opens another. */
  interrupt(): void {
    this.current?.abort(new Error("interrupted"));
  }

  /**
   * Closes the stream (no new deliveries), then lets running handlers finish and reply, for at most `drainSeconds`.
   * A delivery counts as done once the POST carrying its reply has returned, so queued replies go out before this
   * resolves.
   */
  async stop(): Promise<void> {
    this.interrupt();
    await this.loop;
    const drained = Promise.allSettled([...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, this.drainSeconds * 1000).unref())]);
  }

  // -- the reconnecting loop -------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let delay = FIRST_RETRY_DELAY_MS;
    while (!this.stopping.aborted) {
      let nodeId: string | undefined;
      try {
        nodeId = await this.registration.ensure();
        const openedBefore = this.opened;
        const reason = await this.read(nodeId);
        if (this.opened > openedBefore) delay = FIRST_RETRY_DELAY_MS;
        if (this.stopping.aborted) break;
        if (reason === REPLACED) {
          this.log.warn(`the stream of node ${nodeId} was replaced by a newer one (another process holds this node); not reconnecting`);
          break;
        }
        if (reason === DELETED) {
          if (await this.mend(nodeId, new ProxyError(404, "node deleted"))) continue;
          break;
        }
        this.log.info(`the stream of node ${nodeId} ended (${reason}); reconnecting in ${delay / 1000} s`);
      } catch (error) {
        if (this.stopping.aborted) break;
        if (error instanceof ProxyError && !error.retryable) {
          if (nodeId !== undefined && (await this.mend(nodeId, error))) continue;
          if (!this.failure) {
            this.log.error(`the proxy refused the stream of node ${nodeId}: ${error.message}`);
            this.failure = error;
          }
          break;
        }
        this.log.info(`the stream of node ${nodeId} was lost (${describe(error)}); reconnecting in ${delay / 1000} s`);
      } finally {
        this.isReady = false;
      }
      // Jitter: the nodes of a restarted proxy do not all come back in the same instant.
      if (await pause(delay * (0.5 + Math.random() / 2), this.stopping)) break;
      delay = Math.min(delay * 2, LAST_RETRY_DELAY_MS);
    }
  }

  /** Registers again when the proxy forgot the node; false when that is not the trouble or cannot be done. */
  private async mend(nodeId: string, error: ProxyError): Promise<boolean> {
    try {
      return await this.registration.recover(nodeId, error);
    } catch (refusal) {
      this.log.error(`node ${nodeId} could not register again: ${describe(refusal)}`);
      if (refusal instanceof ProxyError) this.failure = refusal;
      return false;
    }
  }

  /** Reads one stream to its end; resolves why it ended (the proxy's close reason, or `ended`). */
  private async read(nodeId: string): Promise<string> {
    const controller = new AbortController();
    this.current = controller;
    const stop = () => controller.abort(new Error("stopping"));
    this.stopping.addEventListener("abort", stop, { once: true });
    let silence: NodeJS.Timeout | undefined;
    const listen = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(new SilentStream(this.idleTimeoutSeconds)), this.idleTimeoutSeconds * 1000);
    };
    try {
      listen();
      let response: Response;
      try {
        response = await fetch(this.proxy.streamUrl(nodeId), {
          headers: { Accept: "text/event-stream", "Cache-Control": "no-cache", ...this.proxy.headers(nodeId) },
          signal: controller.signal,
        });
      } catch (error) {
        throw new ProxyError(0, `proxy at ${this.proxy.baseUrl} unreachable: ${describe(controller.signal.reason ?? error)}`);
      }
      if (response.status !== 200) throw new ProxyError(response.status, await refusal(response));
      if (!response.body) return "ended by the proxy";
      const parser = new EventParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body) {
          listen();
          for (const item of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
            if (item.kind === "comment") {
              this.keepalives++;
              continue;
            }
            const reason = this.onEvent(nodeId, item);
            if (reason !== undefined) return reason;
          }
        }
      } catch (error) {
        if (this.stopping.aborted) return "stopping";
        throw controller.signal.reason ?? error;
      }
      return "ended by the proxy";
    } finally {
      clearTimeout(silence);
      this.stopping.removeEventListener("abort", stop);
      if (this.current === controller) this.current = undefined;
      controller.abort();
    }
  }

  // -- events ----------------------------------------------------------------------------------------------------

  /** Handles one event; returns the close reason when the proxy is closing the stream. */
  private onEvent(nodeId: string, event: ServerSentEvent): string | undefined {
    switch (event.event) {
      case "ready":
        this.opened++;
        this.isReady = true;
        for (const waiter of this.readyWaiters.splice(0)) waiter();
        this.settle();
        this.log.info(`stream of node ${nodeId} open; its subscriptions are live`);
        return undefined;
      case "request":
      case "signal": {
        const fields = JSON.parse(event.data) as Record<string, unknown>;
        const work = this.deliver(nodeId, event.event, fields).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
        return undefined;
      }
      case "close": {
        const reason = event.data ? (JSON.parse(event.data) as { reason?: unknown }).reason : undefined;
        return String(reason ?? "closed");
      }
      default:
        return undefined;
    }
  }

  private async deliver(nodeId: string, kind: string, fields: Record<string, unknown>): Promise<void> {
    const path = typeof fields.path === "string" ? fields.path : "";
    const delivery: Delivery = {
      topic: typeof fields.topic === "string" ? fields.topic : "",
      sender: typeof fields.sender === "string" ? fields.sender : "",
      data: fields.data ?? null,
      timeout: typeof fields.timeout === "number" ? fields.timeout : undefined,
      path,
    };
    const route = this.routes.get(path);
    let answer: Answer;
    if (route) {
      answer = await route.answer(delivery, this.log);
    } else {
      this.log.warn(`${kind} for ${delivery.topic} at ${path}, which this node does not serve`);
      answer = { code: 404, data: { status: `this node serves nothing at ${path}` } };
    }
    if (kind !== "request") return;
    await this.sender(nodeId).send(String(fields.id ?? ""), delivery.topic, answer);
  }

  /**
   * The reply sender of `nodeId`: one per node, so replies that become ready together share a POST. A node that
   * registered again under a new id gets a new one; replies still due under the old id go out through the old one.
   */
  private sender(nodeId: string): ReplySender {
    if (this.replies?.nodeId !== nodeId) this.replies = new ReplySender(this.proxy, nodeId, this.log);
    return this.replies;
  }

  private settle(): void {
    this.settled = true;
    for (const waiter of this.settledWaiters.splice(0)) waiter();
  }
}

async function refusal(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const value = JSON.parse(text) as { status?: unknown };
    return String(value.status ?? response.statusText);
  } catch {
    return response.statusText;
  }
}
