import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { DomainError, ErrorCode, type CatalogEntryBody, type LogEntry, type OrderEntryBody } from '@app/contracts';
import { HttpException } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { HintRow } from '../hints/hint.entity';
import { BazarUpdateRow } from './bazar-update.entity';

class BazarBook {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() cost!: number;
  @ApiProperty() topic!: string;
}

class BazarOrder {
  @ApiProperty() order_id!: number;
  @ApiProperty() book_id!: number;
}

const ALL = ['addBook', 'addOrder', 'getUpdates', 'getOrder'];
const notAllowed = (): never => {
  throw new HttpException({ message: 'method not allowed on this route' }, HttpStatus.METHOD_NOT_ALLOWED);
};
const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
const isObject = (b: unknown): b is Record<string, unknown> => !!b && typeof b === 'object' && !Array.isArray(b);

/**
 * Bazar's recovery server routes (seeds/bazar.md): updates for replicas that were down. Besides what
 * is posted here, GET /getUpdates and GET /getOrder show what the hint store holds for catalog and
 * order replicas that are down, in Bazar's shapes.
 */
@ApiTags('bazar recovery')
@Controller()
export class BazarRecoveryController {
  constructor(
    @InjectRepository(BazarUpdateRow) private readonly updates: Repository<BazarUpdateRow>,
    @InjectRepository(HintRow) private readonly hints: Repository<HintRow>,
  ) {}

  @Post('addBook')
  @HttpCode(201)
  @ApiOperation({ summary: 'Keep a book update for a catalog that is down' })
  @ApiBody({ type: BazarBook })
  @ApiResponse({ status: 201, description: 'stored' })
  @ApiResponse({ status: 400, description: 'not a book update' })
  async addBook(@Body() body: unknown) {
    if (!isObject(body) || !Number.isSafeInteger(body.id) || (body.id as number) < 1 || typeof body.title !== 'string' || !body.title
      || !Number.isSafeInteger(body.quantity) || (body.quantity as number) < 0 || typeof body.cost !== 'number' || !Number.isFinite(body.cost)
      || (body.cost as number) < 0 || typeof body.topic !== 'string') {
      throw bad('a book update needs id, title, quantity >= 0, cost >= 0 and topic');
    }
    const book = { id: body.id, title: body.title, quantity: body.quantity, cost: body.cost, topic: body.topic };
    await this.updates.save({ kind: 'book', body: JSON.stringify(book), storedAt: new Date().toISOString() });
    return { message: 'book update stored' };
  }

  @Post('addOrder')
  @HttpCode(201)
  @ApiOperation({ summary: 'Keep an order for an order server that is down' })
  @ApiBody({ type: BazarOrder })
  @ApiResponse({ status: 201, description: 'stored' })
  @ApiResponse({ status: 400, description: 'not an order' })
  async addOrder(@Body() body: unknown) {
    if (!isObject(body) || !Number.isSafeInteger(body.order_id) || (body.order_id as number) < 0 || !Number.isSafeInteger(body.book_id) || (body.book_id as number) < 1) {
      throw bad('an order needs order_id >= 0 and book_id >= 1');
    }
    await this.updates.save({ kind: 'order', body: JSON.stringify({ order_id: body.order_id, book_id: body.book_id }), storedAt: new Date().toISOString() });
    return { message: 'order stored' };
  }

  @Get('getUpdates')
  @ApiOperation({ summary: 'Book updates waiting: posted ones and the catalog changes held as hints' })
  @ApiResponse({ status: 200, type: [BazarBook] })
  async getUpdates(): Promise<BazarBook[]> {
    const posted = (await this.updates.find({ where: { kind: 'book' }, order: { id: 'ASC' } })).map((u) => JSON.parse(u.body) as BazarBook);
    const hinted = new Map<number, BazarBook>();
    for (const h of await this.hints.find({ where: { service: 'catalog' }, order: { seq: 'ASC' } })) {
      for (const i of (JSON.parse(h.entry) as LogEntry<CatalogEntryBody>).body.items) {
        hinted.set(i.id, { id: i.id, title: i.title, quantity: i.quantity, cost: i.price, topic: i.topic });
      }
    }
    return [...posted, ...hinted.values()];
  }

  @Get('getOrder')
  @ApiOperation({ summary: 'Orders waiting: posted ones and the orders held as hints for order replicas' })
  @ApiResponse({ status: 200, type: [BazarOrder] })
  async getOrder(): Promise<BazarOrder[]> {
    const posted = (await this.updates.find({ where: { kind: 'order' }, order: { id: 'ASC' } })).map((u) => JSON.parse(u.body) as BazarOrder);
    const hinted = new Map<number, BazarOrder>();
    for (const h of await this.hints.find({ where: { service: 'order' }, order: { seq: 'ASC' } })) {
      const e = JSON.parse(h.entry) as LogEntry<OrderEntryBody>;
      if (e.body.type === 'confirm') hinted.set(e.body.order.number, { order_id: e.body.order.number, book_id: e.body.order.itemId });
    }
    return [...posted, ...hinted.values()];
  }

  // The original answered 405 to other methods on these routes (one decorator per handler: Nest keeps
  // only one route per method).
  @Get(['addBook', 'addOrder'])
  @ApiOperation({ summary: 'Wrong method: 405' })
  getNotAllowed(): never {
    return notAllowed();
  }

  @Post(['getUpdates', 'getOrder'])
  @ApiOperation({ summary: 'Wrong method: 405' })
  postNotAllowed(): never {
    return notAllowed();
  }

  @Put(ALL)
  @ApiOperation({ summary: 'Wrong method: 405' })
  putNotAllowed(): never {
    return notAllowed();
  }

  @Patch(ALL)
  @ApiOperation({ summary: 'Wrong method: 405' })
  patchNotAllowed(): never {
    return notAllowed();
  }

  @Delete(ALL)
  @ApiOperation({ summary: 'Wrong method: 405' })
  deleteNotAllowed(): never {
    return notAllowed();
  }
}
