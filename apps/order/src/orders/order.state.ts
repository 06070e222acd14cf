import { ReplicaMetaRow, type StateMachine } from '@app/cluster';
import type { LogEntry, OrderEntryBody, OrderSnapshot } from '@app/contracts';
import type { EntityManager } from 'typeorm';
import { OrderRow } from './order.entity';

export const WATERMARK_KEY = 'reconciledThrough';

/** Applies order log entries: confirmations (idempotent by order id) and reconciliation watermarks. */
export class OrderStateMachine implements StateMachine<OrderEntryBody, OrderSnapshot> {
  async apply(m: EntityManager, entries: LogEntry<OrderEntryBody>[]): Promise<void> {
    for (const e of entries) {
      if (e.body.type === 'confirm') {
        await m.createQueryBuilder().insert().into(OrderRow).values({ ...e.body.order, seq: e.seq }).orIgnore().execute();
      } else {
        await m.save(ReplicaMetaRow, { key: WATERMARK_KEY, value: JSON.stringify(e.body.catalogSeq) });
      }
    }
  }

  async snapshot(m: EntityManager): Promise<OrderSnapshot> {
    const orders = await m.find(OrderRow, { order: { number: 'ASC' } });
    return { orders: orders.map((o) => ({ ...o })), watermark: await readWatermark(m) };
  }

  async restore(m: EntityManager, s: OrderSnapshot): Promise<void> {
    await m.clear(OrderRow);
    for (let i = 0; i < s.orders.length; i += 200) await m.insert(OrderRow, s.orders.slice(i, i + 200));
    await m.save(ReplicaMetaRow, { key: WATERMARK_KEY, value: JSON.stringify(s.watermark) });
  }
}

export async function readWatermark(m: EntityManager): Promise<number> {
  const row = await m.findOneBy(ReplicaMetaRow, { key: WATERMARK_KEY });
  return row ? Number(JSON.parse(row.value)) : 0;
}
