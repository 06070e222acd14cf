import type { StateMachine } from '@app/cluster';
import type { CatalogEntryBody, CatalogSnapshot, Item, LogEntry, StockChange } from '@app/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { ReplicaMetaRow } from '@app/cluster';
import { ItemRow, StockChangeRow } from './item.entity';
import { seedItems } from './seed';

/** Applies catalog log entries: each carries the full new state of the items it changed. */
export class CatalogStateMachine implements StateMachine<CatalogEntryBody, CatalogSnapshot> {
  async apply(m: EntityManager, entries: LogEntry<CatalogEntryBody>[]): Promise<void> {
    for (const e of entries) {
      if (e.body.items.length) await m.save(ItemRow, e.body.items.map(toRow));
      if (e.body.stock.length) {
        await m.createQueryBuilder().insert().into(StockChangeRow)
          .values(e.body.stock.map((s) => ({ ...s, seq: e.seq }))).orIgnore().execute();
      }
    }
  }

  async snapshot(m: EntityManager): Promise<CatalogSnapshot> {
    const items = (await m.find(ItemRow, { order: { id: 'ASC' } })).map(toItem);
    const stock = (await m.find(StockChangeRow)).map(({ cause, itemId, delta, seq }) => ({ cause, itemId, delta, seq }));
    return { items, stock };
  }

  async restore(m: EntityManager, s: CatalogSnapshot): Promise<void> {
    await m.clear(ItemRow);
    await m.clear(StockChangeRow);
    for (let i = 0; i < s.items.length; i += 200) await m.insert(ItemRow, s.items.slice(i, i + 200).map(toRow));
    for (let i = 0; i < s.stock.length; i += 200) await m.insert(StockChangeRow, s.stock.slice(i, i + 200));
  }
}

/**
 * A fresh database gets the seed data of CONTRACTS.md as its state at log position 0, identical on
 * every replica, with one `seed:<id>` stock change per item so that the ledger explains all stock.
 */
export async function seedIfEmpty(ds: DataSource): Promise<boolean> {
  return ds.transaction(async (m) => {
    if ((await m.count(ItemRow)) > 0 || (await m.count(ReplicaMetaRow)) > 0) return false;
    const items = seedItems();
    await m.insert(ItemRow, items.map(toRow));
    const stock: (StockChange & { seq: number })[] = items.map((i) => ({ cause: `seed:${i.id}`, itemId: i.id, delta: i.quantity, seq: 0 }));
    await m.insert(StockChangeRow, stock);
    await m.save(ReplicaMetaRow, { key: 'seeded', value: JSON.stringify(new Date().toISOString()) });
    return true;
  });
}

export function toItem(r: ItemRow): Item {
  return { id: r.id, kind: r.kind, title: r.title, topic: r.topic, author: r.author, price: r.price, quantity: r.quantity, version: r.version };
}

function toRow(i: Item): ItemRow {
  return { id: i.id, kind: i.kind, title: i.title, topic: i.topic, author: i.author, price: i.price, quantity: i.quantity, version: i.version };
}
