/** Where the proxy is and what the node is told, read from the environment the way the app host sets it. */

/** Where the app host runs the proxy's control API when nothing else is said. */
export const DEFAULT_PROXY_URL = "http://127.0.0.1:5080";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The control API's URL: Aspire service discovery first (`services__controlapi__http__0`, injected into a resource
 * that references the control API), then `GILMOUR_PROXY_URL`, then the default.
 */
export function proxyUrlFromEnvironment(env: Environment = process.env): string {
  return env["services__controlapi__http__0"] || env["GILMOUR_PROXY_URL"] || DEFAULT_PROXY_URL;
}

/**
 * The URL with `localhost` written as 127.0.0.1, and no trailing slash. The proxy calls a node back at the address
 * its registration came from; "localhost" may resolve to ::1, which would make the proxy call [::1] while the node
 * listens on 127.0.0.1.
 */
export function loopbackAsIpv4(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === "localhost") parsed.hostname = "127.0.0.1";
  return parsed.toString().replace(/\/+$/, "");
}
