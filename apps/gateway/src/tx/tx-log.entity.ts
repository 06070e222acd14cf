import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The coordinator's durable log of /books-2pc transactions (presumed abort: no record, no commit). */
@Entity('coordinator_txs')
export class TxLogRow {
  @PrimaryColumn('text')
  txId!: string;

  /** preparing → committed | aborted → (done) */
  @Column('text')
  state!: 'preparing' | 'committed' | 'aborted';

  /** every participant has acknowledged the decision */
  @Column('integer')
  done!: number;

  @Column('text')
  book!: string;

  @Column('integer', { nullable: true })
  itemId!: number | null;

  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('text')
  createdAt!: string;

  @Column('text')
  updatedAt!: string;
}
