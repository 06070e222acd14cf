import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An update meant for replica `target` of `service`, kept until that replica takes it. */
@Entity('hints')
export class HintRow {
  @PrimaryColumn('text')
  service!: string;

  @PrimaryColumn('integer')
  target!: number;

  @PrimaryColumn('integer')
  seq!: number;

  @Column('integer')
  termCounter!: number;

  @Column('integer')
  termElector!: number;

  /** the log entry as JSON */
  @Column('text')
  entry!: string;

  @Column('text')
  storedAt!: string;
}

/** The newest term a primary of `service` announced: hints from older terms are refused. */
@Entity('fences')
export class FenceRow {
  @PrimaryColumn('text')
  service!: string;

  @Column('integer')
  counter!: number;

  @Column('integer')
  electorId!: number;
}
