import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An update posted to Bazar's recovery routes (POST /addBook, POST /addOrder), kept until read. */
@Entity('bazar_updates')
export class BazarUpdateRow {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('text')
  kind!: 'book' | 'order';

  @Column('text')
  body!: string;

  @Column('text')
  storedAt!: string;
}
