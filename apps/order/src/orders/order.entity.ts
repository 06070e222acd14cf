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

/**
 * An order the leader has started and not yet confirmed (local to the replica that took it, not
 * replicated). A new leader does not need another's pending orders: it reconciles from the
 * catalog's record of decrements by order id.
 */
@Entity('pending_orders')
export class PendingRow {
  @PrimaryColumn('text')
  orderId!: string;

  @Column('integer')
  itemId!: number;

  @Column('integer')
  quantity!: number;

  @Column('text')
  createdAt!: string;
}
