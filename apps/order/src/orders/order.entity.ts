import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A confirmed order, replicated to every order replica. */
@Entity('orders')
export class OrderRow {
  @PrimaryColumn('integer')
  number!: number;

  @Index({ unique: true })
  @Column('text')
  orderId!: string;

  @Column('integer')
  itemId!: number;

  @Column('text')
  name!: string;

  @Column('integer')
  quantity!: number;

  @Column('integer')
  catalogSeq!: number;

  @Column('text')
  createdAt!: string;

  /** seq of the log entry that confirmed it */
  @Column('integer')
  seq!: number;
}
