import { ClientTCP } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import { DomainError, ErrorCode, isWireError } from '@app/contracts';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { currentRequestId } from './request-context';
import type { MetricsService } from './metrics';
import type { Instance } from './topology';

/** Default time an RPC may take before the caller treats the peer as unavailable. */
export const DEFAULT_RPC_TIMEOUT_MS = 1000;

/**
 * A typed TCP client for one peer instance. It adds the current request id to every payload, bounds
 * every call with a timeout, and turns transport failures into DomainError(UNAVAILABLE) so callers
 * handle one error type. A peer that dies and returns is reconnected on the next call.
 */
export class PeerClient {
  private readonly client: ClientTCP;

  private readonly observers = new Map<string, { observe(v: number): void }>();
  /** sockets this client has used, for byte counts measured by the kernel-facing socket itself */
  private readonly sockets: Socket[] = [];
  private readonly retired = { read: 0, written: 0 };

  constructor(
    readonly instance: Instance,
    private readonly defaultTimeoutMs = DEFAULT_RPC_TIMEOUT_MS,
    private readonly metrics?: MetricsService,
  ) {
    if (!instance.tcp) throw new Error(`${instance.app}#${instance.id} has no tcp port in the topology`);
    this.client = new ClientTCP({ host: instance.host, port: instance.tcp });
    // small request/reply messages: no Nagle delay (Node's net sockets default to it)
    this.client.on('connect' as never, (() => {
      const socket = this.client.unwrap() as Socket;
      socket.setNoDelay(true);
      this.sockets.push(socket);
      while (this.sockets.length > 16) {
        const old = this.sockets.shift()!;
        this.retired.read += old.bytesRead;
        this.retired.written += old.bytesWritten;
      }
    }) as never);
    // connection errors surface through the call that hit them; keep the client quiet otherwise
    (this.client as unknown as { handleError: (e: unknown) => void }).handleError = () => undefined;
  }

  get label(): string {
    return `${this.instance.app}#${this.instance.id}`;
  }

  /** Sends and awaits the reply. `rid`: the request id to carry (default: the current context's). */
  async send<R, P extends object = object>(pattern: string, payload: P, timeoutMs = this.defaultTimeoutMs, rid = currentRequestId()): Promise<R> {
    const data = rid && !('rid' in payload) ? { ...payload, rid } : payload;
    const start = this.metrics ? process.hrtime.bigint() : 0n;
    try {
      const reply = await firstValueFrom(this.client.send<R>(pattern, data).pipe(timeout(timeoutMs)));
      if (this.metrics) this.observe(pattern, 'ok', start);
      return reply;
    } catch (err) {
      const e = this.toDomainError(err, pattern, timeoutMs);
      if (this.metrics) this.observe(pattern, e.code, start);
      throw e;
    }
  }

  private observe(pattern: string, outcome: string, start: bigint): void {
    const k = `${pattern} ${outcome}`;
    let o = this.observers.get(k);
    if (!o) {
      o = this.metrics!.rpcDuration.labels(this.instance.app, pattern, outcome);
      this.observers.set(k, o);
    }
    o.observe(Number(process.hrtime.bigint() - start) / 1e9);
  }

  close(): void {
    this.client.close();
  }

  /** Bytes written to and read from this peer on this client's sockets (as counted by the sockets). */
  socketBytes(): { read: number; written: number } {
    return this.sockets.reduce((a, s) => ({ read: a.read + s.bytesRead, written: a.written + s.bytesWritten }), { ...this.retired });
  }

  private toDomainError(err: unknown, pattern: string, timeoutMs: number): DomainError {
    if (err instanceof DomainError) return err;
    if (isWireError(err)) return new DomainError(err.code, err.message, { ...err.details, peer: this.label });
    if (err instanceof TimeoutError) {
      return new DomainError(ErrorCode.UNAVAILABLE, `${this.label} did not answer ${pattern} within ${timeoutMs} ms`, {
        peer: this.label, transport: 'timeout',
      });
    }
    const e = err as { code?: string; message?: string };
    return new DomainError(ErrorCode.UNAVAILABLE, `${this.label} unreachable for ${pattern}: ${e?.code ?? e?.message ?? String(err)}`, {
      peer: this.label, transport: e?.code ?? 'error',
    });
  }
}

/** One client per peer, created on first use and closed with the app. */
export class PeerPool {
  private readonly clients = new Map<string, PeerClient>();

  constructor(private readonly defaultTimeoutMs = DEFAULT_RPC_TIMEOUT_MS, private readonly metrics?: MetricsService) {}

  get(instance: Instance): PeerClient {
    const key = `${instance.app}#${instance.id}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new PeerClient(instance, this.defaultTimeoutMs, this.metrics);
      this.clients.set(key, c);
    }
    return c;
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
