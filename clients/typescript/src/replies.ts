/** A stream node's replies on their way to the proxy, in batches of what became ready together. */

import { describe, MAX_REPLIES_PER_BATCH, ProxyClient, ReplyResult } from "./client";
import { ProxyError } from "./errors";
import type { Logger } from "./logger";
import type { Answer } from "./routes";

/** One reply waiting for its POST, and who to tell once that POST has returned. */
interface Queued {
  readonly id: string;
  readonly topic: string;
  readonly answer: Answer;
  readonly posted: () => void;
}

/**
 * Posts one node's replies to `POST /nodes/{id}/replies`, with at most one POST in flight.
 *
 * A reply that is ready while nothing is in flight goes out at once, alone, so an idle node adds no latency. Replies
 * that become ready while a POST is on its way wait for it and then all go together in the next one: a busy node
 * pays for one request per batch rather than one per reply, and the batch grows only as much as the proxy is slow.
 * No timer decides when to send; only the previous POST's return does.
 */
export class ReplySender {
  private readonly queue: Queued[] = [];
  private sending = false;

  constructor(
    private readonly proxy: ProxyClient,
    readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  /**
   * Sends the answer to delivery `id` (a request on `topic`). Resolves once the POST that carried it has returned,
   * whatever became of it (the outcome is logged), so a node that drains its handlers also drains their replies.
   * Never rejects.
   */
  send(id: string, topic: string, answer: Answer): Promise<void> {
    return new Promise((posted) => {
      this.queue.push({ id, topic, answer, posted });
      if (!this.sending) void this.drain();
    });
  }

  /** Posts batch after batch until nothing waits; `sending` is set before the first await, so one drain runs. */
  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) await this.post(this.queue.splice(0, MAX_REPLIES_PER_BATCH));
    } finally {
      this.sending = false;
    }
  }

  /**
   * Sends one batch (in halves, one after the other, if the proxy refused it whole as malformed or too large). A
   * failure is logged for each reply it concerned and does not stop the replies after it.
   */
  private async post(batch: Queued[]): Promise<void> {
    try {
      await this.attempt(batch);
    } finally {
      for (const queued of batch) queued.posted();
    }
  }

  private async attempt(batch: Queued[]): Promise<void> {
    let results: ReplyResult[];
    try {
      results = await this.proxy.replyAll(
        this.nodeId,
        batch.map(({ id, answer }) => ({ id, code: answer.code, data: answer.data })),
      );
    } catch (error) {
      if (batch.length > 1 && error instanceof ProxyError && (error.status === 400 || error.status === 413)) {
        // The proxy took none of a batch it found malformed or too large; had each reply gone alone, only the bad one
        // (a code outside 200..599, say) or the oversized one would have been refused. The halves go again, in turn.
        const half = Math.ceil(batch.length / 2);
        await this.attempt(batch.slice(0, half));
        await this.attempt(batch.slice(half));
        return;
      }
      for (const queued of batch) this.log.warn(`could not reply to ${queued.id} on ${queued.topic}: ${describe(error)}`);
      return;
    }
    // The proxy answers one result per reply, in the order given.
    batch.forEach((queued, i) => this.report(queued, results[i]));
  }

  private report(queued: Queued, result: ReplyResult | undefined): void {
    const { id, topic } = queued;
    if (result === undefined) {
      this.log.warn(`could not reply to ${id} on ${topic}: the proxy's answer held no result for it`);
    } else if (result.status === 404 || result.status === 410) {
      // The request ended first (timed out: its requester got 499; or its stream closed), or was answered already.
      this.log.info(`reply to ${id} on ${topic} not taken (${result.status}: ${result.error ?? "no reason given"})`);
    } else if (result.status !== 200) {
      this.log.warn(`could not reply to ${id} on ${topic}: ${result.status}: ${result.error ?? "no reason given"}`);
    }
  }
}
