/** The proxy's HTTP API, one method per route. */

import { loopbackAsIpv4 } from "./environment";
import { ProxyError } from "./errors";
import { Message, Result } from "./messages";

/** The proxy's own default when a request names no timeout. */
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;

/** The most replies `POST /nodes/{id}/replies` takes in one call. */
export const MAX_REPLIES_PER_BATCH = 1000;

/** `callback` (the proxy calls the node's HTTP server), `stream` (the node reads an event stream), `none` (send only). */
export type Transport = "callback" | "stream" | "none";

/** One subscription as POST /nodes takes it. */
export interface Subscription {
  topic: string;
  path: string;
  group?: string;
  timeout?: number;
}

export interface RegisterOptions {
  transport?: Transport;
  port?: number;
  healthCheck?: string;
  services?: readonly Subscription[];
  slots?: readonly Subscription[];
  host?: string;
  maxConcurrency?: number;
}

/** POST /nodes's answer: the node's id, its status, and the token its later calls carry. */
export interface Registered {
  id: string;
  status: string;
  token?: string;
}

export interface ProxyClientOptions {
  /** The operator's admin key (header `X-Api-Key`), which a secured proxy wants to register and list nodes. */
  apiKey?: string;
  /** Seconds for a plain call (default 10). */
  timeoutSeconds?: number;
  /**
   * Seconds for registration and activation (default 30), which the proxy answers only after it has checked the
   * node's health and made its subscriptions live; giving up earlier would make the node register twice.
   */
  registrationTimeoutSeconds?: number;
}

/** One reply of a batch: the `id` of the request event it answers, its code (default 200) and data (default null). */
export interface StreamReply {
  id: string;
  code?: number;
  data?: unknown;
}

/**
 * What became of one reply of a batch: `status` 200 taken (handed to the requester), 404 the proxy never sent this
 * id to this node or it was answered already, 410 the request ended first (timed out: the requester got 499; or the
 * stream closed: 502). `error` says why when it is not 200.
 */
export interface ReplyResult {
  id: string;
  status: number;
  error?: string;
}

type Json = Record<string, unknown>;

interface CallOptions {
  body?: unknown;
  timeoutSeconds?: number;
  nodeId?: string;
  asAdmin?: boolean;
  resultExpected?: boolean;
}

/**
 * The proxy's HTTP API, one method per route; a refusal or an unreachable proxy rejects with ProxyError.
 *
 * Credentials: `register` keeps the token the proxy issues for the new node and sends it
 * (`Authorization: Bearer`) on every later call about that node; a node without a token known here is sent the
 * admin key instead, which works on every route.
 */
export class ProxyClient {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly timeoutSeconds: number;
  readonly registrationTimeoutSeconds: number;
  private readonly tokens = new Map<string, string>();

  constructor(baseUrl: string, options: ProxyClientOptions = {}) {
    this.baseUrl = loopbackAsIpv4(baseUrl);
    this.apiKey = options.apiKey || undefined;
    this.timeoutSeconds = options.timeoutSeconds ?? 10;
    this.registrationTimeoutSeconds = options.registrationTimeoutSeconds ?? 30;
  }

  // -- credentials -----------------------------------------------------------------------------------------------

  /** The token the proxy issued for `nodeId`, if it issued one to a registration through this client. */
  token(nodeId: string): string | undefined {
    return this.tokens.get(nodeId);
  }

  /** Calls about `nodeId` carry this token from now on (a node registered by another process). */
  useToken(nodeId: string, token: string): void {
    this.tokens.set(nodeId, token);
  }

  /** The credential headers of a call about `nodeId` (or about no node: registering, listing). */
  headers(nodeId?: string, asAdmin = false): Record<string, string> {
    const token = asAdmin || nodeId === undefined ? undefined : this.tokens.get(nodeId);
    if (token) return { Authorization: `Bearer ${token}` };
    return this.apiKey ? { "X-Api-Key": this.apiKey } : {};
  }

  // -- nodes -----------------------------------------------------------------------------------------------------

  /**
   * POST /nodes. A callback node is answered once the proxy has checked its health and subscribed (status ok); a
   * stream node at once (status unavailable until its stream opens); a send-only (`none`) node at once, status ok.
   */
  async register(options: RegisterOptions = {}): Promise<Registered> {
    const body: Json = {};
    // Callback is the default: leaving it out keeps the body one that proxies without transports accept.
    if (options.transport && options.transport !== "callback") body.transport = options.transport;
    if (options.port !== undefined) body.port = options.port;
    if (options.healthCheck !== undefined) body.health_check = options.healthCheck;
    if (options.host !== undefined) body.host = options.host;
    if (options.maxConcurrency !== undefined) body.max_concurrency = options.maxConcurrency;
    if (options.services?.length) body.services = options.services;
    if (options.slots?.length) body.slots = options.slots;
    const answer = await this.call("POST", "/nodes", { body, timeoutSeconds: this.registrationTimeoutSeconds });
    const registered: Registered = { id: String(answer.id), status: String(answer.status) };
    if (typeof answer.token === "string" && answer.token) {
      registered.token = answer.token;
      this.useToken(registered.id, answer.token);
    }
    return registered;
  }

  /** GET /nodes: every registered node (a secured proxy wants the admin key). */
  async nodes(): Promise<Json[]> {
    return ((await this.call("GET", "/nodes")).nodes as Json[] | undefined) ?? [];
  }

  /**
   * GET /nodes/{id}: the node as the proxy sees it, with its `status` (ok, unavailable, dirty). `asAdmin`: ask with
   * the admin key rather than the node's token (a secured proxy answers an unknown node's token with 401; only the
   * admin key learns that the node is gone).
   */
  node(nodeId: string, asAdmin = false): Promise<Json> {
    return this.call("GET", `/nodes/${quote(nodeId)}`, { nodeId, asAdmin });
  }

  /** POST /nodes/{id}/activate: health pre-check again and restore the node's subscriptions. */
  activate(nodeId: string): Promise<Json> {
    return this.call("POST", `/nodes/${quote(nodeId)}/activate`, {
      nodeId,
      timeoutSeconds: this.registrationTimeoutSeconds,
    });
  }

  /** DELETE /nodes/{id}: in-flight deliveries finish, then the node is gone (and so is its token). */
  async deregister(nodeId: string): Promise<void> {
    await this.call("DELETE", `/nodes/${quote(nodeId)}`, { nodeId });
    this.tokens.delete(nodeId);
  }

  /** GET /nodes/{id}/services. */
  async services(nodeId: string): Promise<Subscription[]> {
    return ((await this.call("GET", `/nodes/${quote(nodeId)}/services`, { nodeId })).services as Subscription[]) ?? [];
  }

  /** POST /nodes/{id}/services: answered once the new subscription is live. */
  async addService(nodeId: string, service: Subscription): Promise<void> {
    await this.call("POST", `/nodes/${quote(nodeId)}/services`, {
      nodeId,
      body: service,
      timeoutSeconds: this.registrationTimeoutSeconds,
    });
  }

  /** DELETE /nodes/{id}/services?topic=&path=: the node's services on `topic` (at `path` only, if given). */
  async removeServices(nodeId: string, topic: string, path?: string): Promise<void> {
    await this.call("DELETE", `/nodes/${quote(nodeId)}/services?${query(topic, path)}`, { nodeId });
  }

  /** GET /nodes/{id}/slots. */
  async slots(nodeId: string): Promise<Subscription[]> {
    return ((await this.call("GET", `/nodes/${quote(nodeId)}/slots`, { nodeId })).slots as Subscription[]) ?? [];
  }

  /** POST /nodes/{id}/slots: answered once the new subscription is live. */
  async addSlot(nodeId: string, slot: Subscription): Promise<void> {
    await this.call("POST", `/nodes/${quote(nodeId)}/slots`, {
      nodeId,
      body: slot,
      timeoutSeconds: this.registrationTimeoutSeconds,
    });
  }

  /** DELETE /nodes/{id}/slots?topic=&path=. */
  async removeSlots(nodeId: string, topic: string, path?: string): Promise<void> {
    await this.call("DELETE", `/nodes/${quote(nodeId)}/slots?${query(topic, path)}`, { nodeId });
  }

  // -- publishing ------------------------------------------------------------------------------------------------

  /** POST /request/{id} with a topic: waits for the reply (or the timeout, code 499). */
  request(nodeId: string, topic: string, message?: unknown, timeout?: number): Promise<Result> {
    return this.publish(nodeId, { topic, message: message ?? null }, timeout);
  }

  /** POST /request/{id} with a composition such as `{pipe: [{topic: "a"}, {topic: "b"}]}`. */
  compose(nodeId: string, composition: object, message?: unknown, timeout?: number): Promise<Result> {
    return this.publish(nodeId, { composition, message: message ?? null }, timeout);
  }

  /** POST /signal/{id}: emits the signal and returns its sender id. */
  async signal(nodeId: string, topic: string, message?: unknown): Promise<string> {
    const answer = await this.call("POST", `/signal/${quote(nodeId)}`, {
      nodeId,
      body: { topic, message: message ?? null },
    });
    return String(answer.sender ?? "");
  }

  // -- the stream transport --------------------------------------------------------------------------------------

  /**
   * POST /nodes/{id}/replies/{delivery}: a stream node's answer to one request. 404: the proxy never sent that id to
   * this node or it was answered already; 410: the request timed out (the requester got 499).
   */
  async reply(nodeId: string, deliveryId: string, code: number, data: unknown): Promise<void> {
    await this.call("POST", `/nodes/${quote(nodeId)}/replies/${quote(deliveryId)}`, {
      nodeId,
      body: { code, data: data ?? null },
    });
  }

  /**
   * POST /nodes/{id}/replies: a stream node's answers to several requests (1 to 1000) in one call, each taken or
   * refused on its own as `reply` would be; resolves one result per reply, in the order given. It rejects only when
   * the proxy refuses the whole batch (400 malformed, 401/403 credentials, 413 too large, 503 Redis unreachable),
   * and then none of it was taken.
   */
  async replyAll(nodeId: string, replies: readonly StreamReply[]): Promise<ReplyResult[]> {
    // Only the three fields: the proxy refuses a batch with an unknown field in it.
    const body = { replies: replies.map(({ id, code, data }) => ({ id, code: code ?? 200, data: data ?? null })) };
    const answer = await this.call("POST", `/nodes/${quote(nodeId)}/replies`, { nodeId, body });
    return ((answer.results as Json[] | undefined) ?? []).map(replyResult);
  }

  /** GET /nodes/{id}/stream, the Server-Sent Events a stream node reads its deliveries from. */
  streamUrl(nodeId: string): string {
    return `${this.baseUrl}/nodes/${quote(nodeId)}/stream`;
  }

  // -- plumbing --------------------------------------------------------------------------------------------------

  private async publish(nodeId: string, body: Json, timeout: number | undefined): Promise<Result> {
    if (timeout !== undefined) body.timeout = timeout;
    // The proxy holds the call open until the reply comes: wait a little longer than the request may take.
    const wait = (timeout ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) + this.timeoutSeconds;
    const answer = await this.call("POST", `/request/${quote(nodeId)}`, {
      nodeId,
      body,
      timeoutSeconds: wait,
      resultExpected: true,
    });
    const messages = ((answer.messages as Json[] | undefined) ?? []).map(
      (m): Message => ({ data: m.data, code: Number(m.code ?? 0) }),
    );
    return new Result(messages, Number(answer.code ?? 0));
  }

  private async call(method: string, path: string, options: CallOptions = {}): Promise<Json> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.headers(options.nodeId, options.asAdmin) };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    const seconds = options.timeoutSeconds ?? this.timeoutSeconds;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(seconds * 1000) });
      text = await response.text();
    } catch (error) {
      throw new ProxyError(0, `proxy at ${this.baseUrl} unreachable: ${describe(error, seconds)}`);
    }
    const answer = jsonObject(text);
    if (response.ok) return answer;
    // A request's answer carries the reply's code as the HTTP status (404 no subscriber, 499 timed out, a service's
    // own 500): that is a result, not a refusal. A refusal is {status: "<message>"}.
    if (options.resultExpected && "messages" in answer) return answer;
    throw new ProxyError(response.status, String(answer.status ?? response.statusText));
  }
}

function quote(value: string): string {
  return encodeURIComponent(value);
}

function query(topic: string, path: string | undefined): string {
  const parameters = new URLSearchParams({ topic });
  if (path !== undefined) parameters.set("path", path);
  return parameters.toString();
}

function replyResult(result: Json): ReplyResult {
  const read: ReplyResult = { id: String(result.id ?? ""), status: Number(result.status ?? 0) };
  if (typeof result.error === "string") read.error = result.error;
  return read;
}

function jsonObject(text: string): Json {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : { status: value };
  } catch {
    return { status: text };
  }
}

/** Why fetch failed, in words: the refused connection or the timeout rather than "fetch failed". */
export function describe(error: unknown, seconds?: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return `no answer within ${seconds} s`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: string }).code;
      return code ? `${code} ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
