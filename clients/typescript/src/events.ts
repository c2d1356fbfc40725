/** Server-Sent Events, as the proxy's stream writes them (`event:`, `data:`, comment lines, a blank line). */

/** One dispatched event: its type (`message` when the stream named none) and its data lines joined. */
export interface ServerSentEvent {
  readonly kind: "event";
  readonly event: string;
  readonly data: string;
}

/** A line starting with a colon, such as the proxy's `: keepalive`. */
export interface Comment {
  readonly kind: "comment";
  readonly text: string;
}

/** Turns the stream's text, chunk by chunk, into events: an event is complete at the blank line after it. */
export class EventParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  /** Feeds one chunk of text (any split, even inside a line); returns what it completed. */
  push(chunk: string): Array<ServerSentEvent | Comment> {
    this.buffer += chunk;
    const items: Array<ServerSentEvent | Comment> = [];
    let end: number;
    while ((end = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone \r at the chunk's end may be the first half of \r\n: wait for the next chunk.
      if (this.buffer[end] === "\r" && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith("\r\n", end) ? 2 : 1));
      const item = this.line(line);
      if (item) items.push(item);
    }
    return items;
  }

  private line(line: string): ServerSentEvent | Comment | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return { kind: "comment", text: line.slice(1).trim() };
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") this.event = value;
    else if (name === "data") this.data.push(value);
    // "id" and "retry" are not used by the proxy; unknown fields are ignored, as the format says.
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    if (this.data.length === 0 && !this.event) return undefined;
    const event: ServerSentEvent = { kind: "event", event: this.event || "message", data: this.data.join("\n") };
    this.event = "";
    this.data = [];
    return event;
  }
}
