/**
 * What the tests share: where the real proxy is, waiting for conditions, unique names, a logger that listens.
 *
 * The tests that need the proxy read its URL from the environment; the C# test class
 * `Gilmour.Proxy.Tests.Clients.ClientTests` starts a real one (redis-server and the three services) and sets
 * `GILMOUR_TEST_PROXY_URL` (a proxy in the open posture), `GILMOUR_TEST_SECURED_PROXY_URL` and
 * `GILMOUR_TEST_API_KEY` (a proxy that requires that admin key). Both probe node health every second. Without
 * them, those tests are skipped.
 */
import { randomUUID } from "node:crypto";

import { Logger, ProxyClient, ProxyError } from "../src/index";

export const OPEN_URL = process.env["GILMOUR_TEST_PROXY_URL"];
export const SECURED_URL = process.env["GILMOUR_TEST_SECURED_PROXY_URL"];
export const API_KEY = process.env["GILMOUR_TEST_API_KEY"];

/** Generous: the machine may be busy with other builds; a condition that holds returns at once anyway. */
export const PATIENCE_MS = 30_000;

export const withoutOpenProxy = OPEN_URL ? false : "GILMOUR_TEST_PROXY_URL is not set";
export const withoutSecuredProxy =
  SECURED_URL && API_KEY ? false : "GILMOUR_TEST_SECURED_PROXY_URL and GILMOUR_TEST_API_KEY are not set";

export function openProxy(): ProxyClient {
  return new ProxyClient(OPEN_URL!);
}

export function securedProxy(apiKey: string = API_KEY!): ProxyClient {
  return new ProxyClient(SECURED_URL!, { apiKey });
}

/** A topic no other test (nor the other language's suite on the same proxy) uses. */
export function unique(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 12)}`;
}

/** Polls until `condition()` gives something truthy and returns it; fails with `describe()` after the patience. */
export async function eventually<T>(
  condition: () => T | Promise<T>,
  describe: () => string,
  withinMs: number = PATIENCE_MS,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs / 1000} s: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The node's status as the proxy reports it (asked with the admin key when there is one), undefined if gone. */
export async function statusOf(proxy: ProxyClient, nodeId: string): Promise<string | undefined> {
  try {
    return String((await proxy.node(nodeId, proxy.apiKey !== undefined)).status);
  } catch (error) {
    if (error instanceof ProxyError) return undefined;
    throw error;
  }
}

/** A logger that keeps every line, for assertions, and prints nothing. */
export class ListeningLogger implements Logger {
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}
