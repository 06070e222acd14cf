import { Body, Controller, Get, Headers, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@app/contracts';
import { CatalogReadService, notFoundAs } from '../catalog/catalog-read.service';
import { OrderClient } from '../orders/order.client';
import { idempotencyKey, withMessages } from '../orders/idempotency';
import { ToyStoreErrorsFilter } from './contract-errors';
import { ToyErrorView, ToyOrderDto, ToyOrderQueryView, ToyOrderView, ToyProductView } from './dto';
import { TOY_STORE } from './messages';
import { Rid } from './rid.decorator';

const bad = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);

/** A quantity: a positive integer (a JSON number, or its decimal digits in a form-encoded body). */
function quantityOf(raw: unknown, form: boolean): number {
  const n = typeof raw === 'number' ? raw : form && typeof raw === 'string' && /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) throw bad(TOY_STORE.BAD_QUANTITY);
  return n;
}

/** The Toy Store's front-end routes (COMPSCI 677 lab API; CONTRACTS.md). */
@ApiTags('toy-store')
@Controller()
@UseFilters(ToyStoreErrorsFilter)
export class ToyStoreController {
  constructor(private readonly reads: CatalogReadService, private readonly orders: OrderClient) {}

  @Get('products/:name')
  @ApiOperation({ summary: 'A toy by name' })
  @ApiResponse({ status: 200, type: ToyProductView })
  @ApiResponse({ status: 404, type: ToyErrorView, description: TOY_STORE.NOT_FOUND })
  async product(@Param('name') name: string, @Rid() rid: string): Promise<ToyProductView> {
    const item = await this.reads.byName(name, 'toy', rid).catch(notFoundAs(TOY_STORE.NOT_FOUND));
    return { data: { name: item.title, price: item.price, quantity: item.quantity } };
  }

  @Post('orders')
  @HttpCode(200)
  @ApiOperation({ summary: 'Order a toy; the order number is unique and contiguous from 0 across the cluster' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: ToyOrderDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retried request with the same key gets the same order and takes stock once' })
  @ApiResponse({ status: 200, type: ToyOrderView })
  @ApiResponse({ status: 400, type: ToyErrorView, description: `${TOY_STORE.BAD_ORDER} (missing fields) or ${TOY_STORE.BAD_QUANTITY}` })
  @ApiResponse({ status: 404, type: ToyErrorView, description: TOY_STORE.NOT_FOUND })
  @ApiResponse({ status: 409, type: ToyErrorView, description: TOY_STORE.OUT_OF_STOCK })
  @ApiResponse({ status: 422, type: ToyErrorView, description: 'the Idempotency-Key was used for a different order' })
  @ApiResponse({ status: 503, type: ToyErrorView, description: 'no order leader can be reached' })
  async order(
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('content-type') type: string | undefined,
    @Rid() rid: string,
  ): Promise<ToyOrderView> {
    const b = body as { name?: unknown; quantity?: unknown } | null;
    if (!b || typeof b !== 'object' || Array.isArray(b) || b.name === undefined || b.quantity === undefined) throw bad(TOY_STORE.BAD_ORDER);
    if (typeof b.name !== 'string' || !b.name || b.name.length > 500) throw bad(TOY_STORE.BAD_ORDER);
    const quantity = quantityOf(b.quantity, (type ?? '').startsWith('application/x-www-form-urlencoded'));
    const idem = idempotencyKey(key);
    const item = await this.reads.byName(b.name, 'toy', rid).catch(notFoundAs(TOY_STORE.NOT_FOUND));
    const { order } = await this.orders.buy({ itemId: item.id, quantity, idempotencyKey: idem }, rid).catch(withMessages({
      [ErrorCode.NOT_FOUND]: TOY_STORE.NOT_FOUND, [ErrorCode.OUT_OF_STOCK]: TOY_STORE.OUT_OF_STOCK,
    }));
    return { data: { order_number: order.number } };
  }

  @Get('orders/:n')
  @ApiOperation({ summary: 'An order by number, from the order leader' })
  @ApiResponse({ status: 200, type: ToyOrderQueryView })
  @ApiResponse({ status: 400, type: ToyErrorView, description: TOY_STORE.BAD_ORDER_ID })
  @ApiResponse({ status: 404, type: ToyErrorView, description: TOY_STORE.NO_ORDER })
  @ApiResponse({ status: 503, type: ToyErrorView, description: 'no order leader can be reached' })
  async getOrder(@Param('n') raw: string, @Rid() rid: string): Promise<ToyOrderQueryView> {
    if (!/^(0|[1-9][0-9]{0,14})$/.test(raw)) throw bad(TOY_STORE.BAD_ORDER_ID);
    const order = await this.orders.get(Number(raw), rid).catch(withMessages({ [ErrorCode.NOT_FOUND]: TOY_STORE.NO_ORDER }));
    return { data: { number: order.number, name: order.name, quantity: order.quantity } };
  }
}
