import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A small TCP proxy between one client and one server, for failure tests (tc netem is not available
 * here): it can cut the link (existing connections reset, new ones refused by an immediate reset),
 * heal it, and delay every chunk by a fixed time.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  delayMs = 0;

  constructor(readonly port: number, private readonly target: () => { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) return void client.destroy();
      const { host, port } = this.target();
      const upstream = connect(port, host);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const pipe = (from: Socket, to: Socket) => from.on('data', (chunk) => {
        if (this.delayMs) setTimeout(() => to.writable && to.write(chunk), this.delayMs);
        else if (to.writable) to.write(chunk);
      });
      pipe(client, upstream);
      pipe(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Cuts the link: every connection through the proxy is reset, and new ones too until healed. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  heal(): void {
    this.cut = false;
  }

  async stop(): Promise<void> {
    this.cutOff();
    await new Promise((r) => this.server?.close(r));
  }
}
