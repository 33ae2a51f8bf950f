// A lean SMTP load generator: pipelined MAIL/RCPT/DATA, messages dot-stuffed in advance, either one
// connection per client reused for every message or a new connection per message. Lean on purpose:
// on 2 cores the client shares the CPU with what it measures.
import net from 'node:net';

export interface LoadOptions {
  port: number;
  recipient: string;
  /** DATA blocks: dot-stuffed, CRLF, ending in ".\r\n". */
  blocks: Buffer[];
  concurrency: number;
  /** true: each client keeps one connection; false: a new connection per message. */
  reuse: boolean;
  /** The whole run is abandoned after this (every loop here is bounded by it). */
  timeoutMs: number;
  /** Sees the final reply to every message. */
  onReply?: (text: string) => void;
}

export interface LoadResult {
  accepted: number;
  refused: number;
  seconds: number;
  /** The first reply or error that was not a 250, if any. */
  firstProblem: string | null;
}

interface Reply {
  code: number;
  text: string;
}

class Connection {
  private partial = '';
  private replies: Reply[] = [];
  private waiting: { count: number; resolve: (replies: Reply[]) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      this.partial += data.toString('latin1');
      let index: number;
      while ((index = this.partial.indexOf('\r\n')) >= 0) {
        const line = this.partial.slice(0, index);
        this.partial = this.partial.slice(index + 2);
        if (/^\d{3}(?: |$)/.test(line)) this.replies.push({ code: Number(line.slice(0, 3)), text: line });
      }
      this.settle();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.settle();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async open(port: number): Promise<Connection> {
    const connection = new Connection(net.connect(port, '127.0.0.1'));
    const [greeting] = await connection.next(1);
    if (greeting!.code !== 220) throw new Error(`greeting: ${greeting!.text}`);
    connection.socket.write('EHLO bench.example.test\r\n');
    const [ehlo] = await connection.next(1);
    if (ehlo!.code !== 250) throw new Error(`EHLO: ${ehlo!.text}`);
    return connection;
  }

  private settle() {
    if (!this.waiting) return;
    if (this.replies.length >= this.waiting.count) {
      const { count, resolve } = this.waiting;
      this.waiting = null;
      resolve(this.replies.splice(0, count));
    } else if (this.failure) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(this.failure);
    }
  }

  next(count: number): Promise<Reply[]> {
    return new Promise((resolve, reject) => {
      this.waiting = { count, resolve, reject };
      this.settle();
    });
  }

  async send(recipient: string, block: Buffer): Promise<Reply> {
    this.socket.write(`MAIL FROM:<bench@example.test>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`);
    const [, , data] = await this.next(3);
    if (data!.code !== 354) return data!;
    this.socket.write(block);
    return (await this.next(1))[0]!;
  }

  async rcpt(recipient: string): Promise<Reply> {
    this.socket.write(`MAIL FROM:<probe@example.test>\r\nRCPT TO:<${recipient}>\r\n`);
    return (await this.next(2))[1]!;
  }

  quit() {
    this.socket.end('QUIT\r\n');
  }

  destroy() {
    this.socket.destroy();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const deadline = Date.now() + options.timeoutMs;
  let next = 0;
  let accepted = 0;
  let refused = 0;
  let firstProblem: string | null = null;
  const problem = (text: string) => {
    refused++;
    firstProblem ??= text;
  };
  const started = performance.now();
  const open = new Set<Connection>();
  const timer = setTimeout(() => open.forEach((c) => c.destroy()), options.timeoutMs);

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      let connection: Connection | null = null;
      while (next < options.blocks.length && Date.now() < deadline) {
        const block = options.blocks[next++]!;
        try {
          if (!connection) {
            connection = await Connection.open(options.port);
            open.add(connection);
          }
          const reply = await connection.send(options.recipient, block);
          options.onReply?.(reply.text);
          if (reply.code === 250) accepted++;
          else problem(reply.text);
        } catch (error) {
          problem((error as Error).message);
          connection?.destroy();
          if (connection) open.delete(connection);
          connection = null;
        }
        if (!options.reuse && connection) {
          connection.quit();
          open.delete(connection);
          connection = null;
        }
      }
      connection?.quit();
      if (connection) open.delete(connection);
    }),
  );
  clearTimeout(timer);
  return { accepted, refused, seconds: (performance.now() - started) / 1000, firstProblem };
}

/** The reply code to an RCPT for the address on a new connection (null when there is no SMTP server). */
export async function probeRecipient(port: number, recipient: string): Promise<number | null> {
  let connection: Connection | null = null;
  try {
    connection = await Connection.open(port);
    return (await connection.rcpt(recipient)).code;
  } catch {
    return null;
  } finally {
    connection?.destroy();
  }
}
