/**
 * Join a Gilmour bus from Node.js through the Gilmour HTTP proxy (no runtime dependencies).
 *
 * A node registers with the proxy and names the topics it serves. With the callback transport it is a small HTTP
 * server, and the proxy POSTs each request and signal to the node's paths; with the stream transport the node dials
 * out to the proxy and reads its deliveries from a Server-Sent Events stream. A service's answer becomes the Gilmour
 * reply's data and code; a slot's answer is ignored. A program that only sends uses a Sender.
 */
export { MAX_REPLIES_PER_BATCH, ProxyClient } from "./client";
export type {
  ProxyClientOptions, Registered, RegisterOptions, ReplyResult, StreamReply, Subscription, Transport,
} from "./client";
export { DEFAULT_PROXY_URL, proxyUrlFromEnvironment } from "./environment";
export type { Environment } from "./environment";
export { ProxyError } from "./errors";
export { consoleLogger } from "./logger";
export type { Logger } from "./logger";
export { Reply, Result } from "./messages";
export type { Delivery, Message } from "./messages";
export { Node } from "./node";
export type { NodeOptions, NodeTransport } from "./node";
export { DEFAULT_GROUP } from "./routes";
export type { Handler, RouteOptions } from "./routes";
export { Sender } from "./sender";
