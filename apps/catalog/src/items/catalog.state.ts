import type { Item, StockChange } from '@app/contracts';
import type { DataSource } from 'typeorm';
import { ReplicaMetaRow } from '@app/cluster';
import { ItemRow, StockChangeRow } from './item.entity';
import { seedItems } from './seed';

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
