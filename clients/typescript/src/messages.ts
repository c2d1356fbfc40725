/** What travels between a node and the proxy: deliveries in, replies and results out. */

/** One request or signal the proxy delivered to this node. */
export interface Delivery {
  /** The topic the sender published to (the concrete one, also for a wildcard slot). */
  readonly topic: string;
  /** The Gilmour sender id of the request or signal. */
  readonly sender: string;
  /** The message, any JSON value. */
  readonly data: unknown;
  /** Seconds the proxy waits for a service's answer (absent for a signal on the stream). */
  readonly timeout?: number;
  /** The subscription's path, which tells apart two subscriptions of one topic. */
  readonly path?: string;
}

/** What a service handler returns to choose its reply's code; returning a plain value means code 200. */
export class Reply {
  constructor(
    readonly data: unknown,
    readonly code: number = 200,
  ) {}
}

/** One result of a request or composition: the responder's data and code. */
export interface Message {
  readonly data: unknown;
  readonly code: number;
}

/**
 * The proxy's answer to a request or a composition: one message per result (several for parallel and recorded
 * batch compositions) and the highest code among them (200 success, 404 no subscriber, 499 timed out, ...).
 */
export class Result {
  constructor(
    readonly messages: readonly Message[],
    readonly code: number,
  ) {}

  get ok(): boolean {
    return this.code === 200;
  }

  /** The first result's data: the answer of a plain request. */
  get data(): unknown {
    return this.messages.length > 0 ? this.messages[0].data : undefined;
  }
}
