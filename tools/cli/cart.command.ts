import { readAdminToken } from '@app/cluster/config';
import { httpUrl, loadTopology } from '@app/cluster/topology';

/** `bazaar cart join|leave <node>`: changes the cart store's membership through a cart-gateway. */
export async function cartCommand(action: string, node: string, opts: { topology: string; dataDir: string }): Promise<void> {
  if (action !== 'join' && action !== 'leave') throw new Error('usage: bazaar cart join|leave <kv-node id>');
  if (!/^[1-9][0-9]*$/.test(node)) throw new Error('the node is a kv-node id, e.g. 4');
  const gw = loadTopology(opts.topology).instances.find((i) => i.app === 'cart-gateway');
  if (!gw) throw new Error('the topology has no cart-gateway');
  const token = readAdminToken(opts.dataDir, process.env.BAZAAR_ADMIN_TOKEN);
  const res = await fetch(`${httpUrl(gw)}/members/${node}/${action}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = (await res.json().catch(() => ({}))) as { message?: string; keys?: number; moved?: number; ratio?: number; optimal?: number };
  if (!res.ok) throw new Error(`${res.status}: ${body.message ?? JSON.stringify(body)}`);
  console.log(`kv-node ${node} ${action === 'join' ? 'joined' : 'left'} the cart store: ${body.keys} keys, ${body.moved} replica assignments moved (${body.ratio}× the optimum ${body.optimal})`);
}
