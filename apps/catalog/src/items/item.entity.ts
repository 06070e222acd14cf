import type { ItemKind } from '@app/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('items')
export class ItemRow {
  @PrimaryColumn('integer')
  id!: number;

  @Column('text')
  kind!: ItemKind;

  @Index()
  @Column('text')
  title!: string;

  @Index()
  @Column('text')
  topic!: string;

  @Column('text', { nullable: true })
  author!: string | null;

  @Column('real')
  price!: number;

  @Column('integer')
  quantity!: number;

  @Column('integer')
  version!: number;
}

/** The stock ledger: every change of an item's stock against its cause (invariant 1). */
@Entity('stock_changes')
export class StockChangeRow {
  @PrimaryColumn('text')
  cause!: string;

  @PrimaryColumn('integer')
  itemId!: number;

  @Column('integer')
  delta!: number;

  /** the log entry that carried it (0 for seed data) */
  @Index()
  @Column('integer')
  seq!: number;
}

/** Two-phase-commit transactions this catalog took part in (prepared, then committed or aborted). */
@Entity('catalog_txs')
export class CatalogTxRow {
  @PrimaryColumn('text')
  txId!: string;

  @Column('text')
  state!: 'prepared' | 'committed' | 'aborted';

  @Column('integer')
  coordinator!: number;

  /** the book as JSON, with its reserved id */
  @Column('text')
  item!: string;

  @Column('text')
  at!: string;
}
