/** The services and slots a node declares, and how a handler's outcome becomes a reply. */

import type { Subscription } from "./client";
import { Delivery, Reply } from "./messages";
import type { Logger } from "./logger";

/** A handler gets the delivery; a service's return value (or a Reply) is its answer, a slot's is ignored. */
export type Handler = (delivery: Delivery) => unknown;

/** The exclusion group the Go and Ruby libraries give a service that names none. */
export const DEFAULT_GROUP = "_default";

export type RouteKind = "service" | "slot";

export interface RouteOptions {
  /** The exclusion group: one member of it handles each message. Services default to `_default`. */
  group?: string;
  /** The path the proxy delivers to (default `/services/<topic>` or `/slots/<topic>`, a wildcard as `_any`). */
  path?: string;
  /** Seconds the proxy waits for the answer (its default is 600) before the requester gets 499. */
  timeout?: number;
}

/** A handler's answer: the reply's code and its JSON data. */
export interface Answer {
  code: number;
  data: unknown;
}

export class Route {
  constructor(
    readonly kind: RouteKind,
    readonly topic: string,
    readonly path: string,
    readonly handler: Handler,
    readonly group?: string,
    readonly timeout?: number,
  ) {}

  /** The subscription as POST /nodes takes it. */
  subscription(): Subscription {
    const entry: Subscription = { topic: this.topic, path: this.path };
    if (this.group !== undefined) entry.group = this.group;
    if (this.timeout !== undefined) entry.timeout = this.timeout;
    return entry;
  }

  /**
   * Runs the handler: a service's code and data, a slot's 200. A handler that throws, or answers what JSON cannot
   * hold, gives code 500 and the reason, so one bad message never takes the node down.
   */
  async answer(delivery: Delivery, log: Logger): Promise<Answer> {
    let outcome: unknown;
    try {
      outcome = await this.handler(delivery);
    } catch (error) {
      log.error(`${this.kind} ${this.topic} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      return { code: 500, data: { error: error instanceof Error ? error.message : String(error) } };
    }
    if (this.kind === "slot") return { code: 200, data: {} };
    const { code, data } = outcome instanceof Reply ? outcome : { code: 200, data: outcome };
    try {
      JSON.stringify(data);
    } catch (error) {
      log.error(`service ${this.topic} answered a value JSON cannot hold: ${error}`);
      return { code: 500, data: { error: `the service's answer is not JSON: ${error}` } };
    }
    return { code, data: data === undefined ? null : data };
  }
}

/** The node's subscriptions by path (the proxy names the path it delivers to). */
export class Routes implements Iterable<Route> {
  private readonly byPath = new Map<string, Route>();

  add(route: Route): void {
    if (this.byPath.has(route.path)) throw new Error(`path ${route.path} is already used`);
    this.byPath.set(route.path, route);
  }

  get(path: string): Route | undefined {
    return this.byPath.get(path);
  }

  subscriptions(kind: RouteKind): Subscription[] {
    return [...this.byPath.values()].filter((route) => route.kind === kind).map((route) => route.subscription());
  }

  [Symbol.iterator](): Iterator<Route> {
    return [...this.byPath.values()][Symbol.iterator]();
  }
}

/** `/services/<topic>` or `/slots/<topic>`, a wildcard written `_any`. */
export function defaultPath(kind: RouteKind, topic: string): string {
  return `/${kind}s/${topic.replaceAll("*", "_any")}`;
}
