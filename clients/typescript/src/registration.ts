/** Staying registered: register until the proxy accepts, register again when it forgot the node. */

import type { ProxyClient, Registered } from "./client";
import { ProxyError } from "./errors";
import type { Logger } from "./logger";
import { pause } from "./stopping";

export const FIRST_RETRY_DELAY_MS = 200;
export const LAST_RETRY_DELAY_MS = 5000;

/**
 * One node's registration with the proxy: its id, and the ways back when the proxy no longer takes it.
 *
 * `register` POSTs the node's registration. `restore` is what to do when the proxy holds the node as not ok (503 on
 * a publish): a callback node asks for activation, a stream node waits for its stream; absent when nothing can be
 * done.
 */
export class Registration {
  private current: string | undefined;
  private registering: Promise<string> | undefined;

  constructor(
    private readonly proxy: ProxyClient,
    private readonly register: () => Promise<Registered>,
    private readonly stopping: AbortSignal,
    private readonly log: Logger,
    private readonly restore?: (nodeId: string) => Promise<void>,
  ) {}

  get nodeId(): string | undefined {
    return this.current;
  }

  /** Drops the id (after deregistering) and returns it. */
  forget(): string | undefined {
    const nodeId = this.current;
    this.current = undefined;
    return nodeId;
  }

  /** The node's id, registering first if it has none. */
  ensure(): Promise<string> {
    return this.current ? Promise.resolve(this.current) : this.registerUntilAccepted();
  }

  /**
   * Registers, retrying with a growing delay while the proxy is unreachable or answers 5xx (it may be starting, or
   * cannot reach Redis yet). Any other refusal is a mistake in the node's declarations and rejects: retrying would
   * not fix it. Callers that ask while a registration is under way share it, so the node registers once.
   */
  registerUntilAccepted(): Promise<string> {
    this.registering ??= this.registerWithRetries().finally(() => {
      this.registering = undefined;
    });
    return this.registering;
  }

  private async registerWithRetries(): Promise<string> {
    let delay = FIRST_RETRY_DELAY_MS;
    for (;;) {
      if (this.stopping.aborted) throw new ProxyError(0, "the node is stopped");
      try {
        const answer = await this.register();
        this.current = answer.id;
        this.log.info(`registered with the proxy at ${this.proxy.baseUrl} as node ${answer.id} (status ${answer.status})`);
        return answer.id;
      } catch (error) {
        if (!(error instanceof ProxyError) || !error.retryable) throw error;
        this.log.info(`registration not accepted yet (${error.message}); retrying in ${delay / 1000} s`);
      }
      await pause(delay, this.stopping);
      delay = Math.min(delay * 2, LAST_RETRY_DELAY_MS);
    }
  }

  /**
   * Runs `call(nodeId)`; when the proxy forgot the node or holds it as not ok, brings the registration back once
   * and runs the call again.
   */
  async asKnownNode<T>(call: (nodeId: string) => Promise<T>): Promise<T> {
    const nodeId = await this.ensure();
    try {
      return await call(nodeId);
    } catch (error) {
      if (!(error instanceof ProxyError) || !(await this.recover(nodeId, error))) throw error;
    }
    return call(this.current ?? nodeId);
  }

  /**
   * Brings the registration back after `error` on a call about `nodeId`. Resolves false when the error is of a kind
   * that registering or activating again would not mend.
   */
  async recover(nodeId: string, error: ProxyError): Promise<boolean> {
    if (await this.forgotten(nodeId, error)) {
      if (this.current !== nodeId && this.registering === undefined) return true; // registered again meanwhile
      if (this.registering === undefined) this.log.info(`the proxy no longer knows node ${nodeId}; registering again`);
      await this.registerUntilAccepted();
      return true;
    }
    if (error.status === 503 && this.restore) {
      this.log.info(`the proxy holds node ${nodeId} as not ok; restoring it`);
      await this.restore(nodeId);
      return true;
    }
    return false;
  }

  /**
   * Whether `error` means the proxy no longer knows `nodeId`. An open proxy says so with 404. A secured one answers
   * an unknown node's token with 401, as it answers any bad token: only the admin key, when this node has it, can
   * learn that the node is gone.
   */
  async forgotten(nodeId: string, error: ProxyError): Promise<boolean> {
    if (error.status === 404) return true;
    if (error.status !== 401 || !this.proxy.apiKey || !this.proxy.token(nodeId)) return false;
    try {
      await this.proxy.node(nodeId, true);
    } catch (probe) {
      return probe instanceof ProxyError && probe.status === 404;
    }
    return false;
  }
}
