/** The proxy refused a call (unknown node, bad input, node not ok, ...), or could not be reached (status 0). */
export class ProxyError extends Error {
  override readonly name = "ProxyError";

  /**
   * @param status the HTTP status of the refusal, 0 when the proxy did not answer at all.
   * @param reason the proxy's `{"status": "..."}` text, or why it could not be reached.
   */
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(status ? `${status}: ${reason}` : reason);
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  /**
   * Unreachable or 5xx: the proxy is starting, restarting or cannot reach Redis yet; trying again may work. Anything
   * else is a mistake in what was asked, which asking again would not fix.
   */
  get retryable(): boolean {
    return this.unreachable || this.status >= 500;
  }
}
