import { Injectable } from '@nestjs/common';
import type { KvFeedRequest, KvVersion } from '@app/contracts';
import type { WebSocket } from 'ws';
import { compareVersions } from '../store/versions';

/**
 * The live feed of this node: every change made through any node arrives here from the leader that
 * ordered it and goes to this node's WebSocket clients as one JSON message {"op","key","value"}.
 * Events of one key are delivered in version order: an event older than the last one seen for its key
 * (a late message from a deposed leader, say) is dropped, so the order per key holds across leader
 * changes too.
 */
@Injectable()
export class FeedService {
  private readonly last = new Map<string, KvVersion>();
  private readonly clients = new Set<WebSocket>();

  add(ws: WebSocket): void {
    this.clients.add(ws);
  }

  remove(ws: WebSocket): void {
    this.clients.delete(ws);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  deliver(req: KvFeedRequest): void {
    const k = `${req.ns}/${req.event.key}`;
    const prev = this.last.get(k);
    if (prev && compareVersions(prev, req.version) >= 0) return;
    this.last.set(k, req.version);
    const msg = JSON.stringify(req.event);
    for (const ws of this.clients) if (ws.readyState === 1) ws.send(msg);
  }
}
