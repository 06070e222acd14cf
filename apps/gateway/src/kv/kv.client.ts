import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, instancesOf, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { DomainError, ErrorCode } from '@app/contracts';
import type { GatewayEnv } from '../config/gateway.config';

/**
 * Calls to the kv datastore (customers, the customers side of 2PC): any kv-node takes them and
 * forwards to its leader. Nodes are tried in turn, starting with the last one that answered.
 */
@Injectable()
export class KvClient {
  private readonly nodes: Instance[];
  private preferred = 0;

  constructor(@Inject(CONFIG) private readonly config: LoadedConfig<GatewayEnv>, private readonly pool: PeerPool) {
    this.nodes = instancesOf(config.topology, 'kv-node');
  }

  get configured(): boolean {
    return this.nodes.length > 0;
  }

  async send<R>(pattern: string, payload: object, rid?: string, timeoutMs = Math.max(this.config.env.RPC_TIMEOUT_MS * 3, 3000)): Promise<R> {
    if (!this.nodes.length) throw new DomainError(ErrorCode.UNAVAILABLE, 'no kv-node in the topology');
    let last: unknown;
    for (let k = 0; k < this.nodes.length; k++) {
      const i = (this.preferred + k) % this.nodes.length;
      try {
        const r = await this.pool.get(this.nodes[i]).send<R>(pattern, payload, timeoutMs, rid);
        this.preferred = i;
        return r;
      } catch (err) {
        // a node that answers with an error has spoken for the store: only transport failures move on
        if (!(err instanceof DomainError) || err.code !== ErrorCode.UNAVAILABLE || !err.details?.transport) throw err;
        last = err;
      }
    }
    throw last instanceof DomainError ? new DomainError(ErrorCode.UNAVAILABLE, `the customers store is unreachable (${last.message})`) : new DomainError(ErrorCode.UNAVAILABLE, 'the customers store is unreachable');
  }
}
