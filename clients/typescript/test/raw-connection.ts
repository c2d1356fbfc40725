/** One TCP connection to a node's server, used the way the proxy's pool uses it: request after request. */
import { connect, Socket } from "node:net";

export interface RawAnswer {
  status: number;
  body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on("close", () => this.waiting?.());
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  /** Writes one request (given whole, headers and body) and reads its answer, which must have a Content-Length. */
  async exchange(request: string): Promise<RawAnswer> {
    this.socket.write(request);
    for (;;) {
      const headEnd = this.buffer.indexOf("\r\n\r\n");
      if (headEnd >= 0) {
        const head = this.buffer.subarray(0, headEnd).toString();
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buffer.length >= headEnd + 4 + length) {
          const body = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString();
          this.buffer = this.buffer.subarray(headEnd + 4 + length);
          return { status: Number(head.split(" ")[1]), body };
        }
      }
      if (this.socket.destroyed) throw new Error(`connection closed; got ${this.buffer.toString()}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export function post(path: string, body: string, extraHeaders = ""): string {
  return `POST ${path} HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}
