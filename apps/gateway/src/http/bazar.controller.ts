import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, type Item } from '@app/contracts';
import { AdminGuard } from '../auth/admin.guard';
import { CatalogClient } from '../catalog/catalog.client';
import { CatalogReadService, notFoundAs } from '../catalog/catalog-read.service';
import { OrderClient } from '../orders/order.client';
import { idempotencyKey, withMessages } from '../orders/idempotency';
import { BazarErrorsFilter } from './contract-errors';
import { BazarBuyView, BazarItemView, MessageView, UpdatePriceDto, UpdateQuantityDto } from './dto';
import { BAZAR } from './messages';
import { bodyPipe, parseId } from './params';
import { Rid } from './rid.decorator';

export function bazarView(i: Item): BazarItemView {
  return { id: i.id, title: i.title, topic: i.topic, cost: i.price, quantity: i.quantity };
}

/** Bazar's front-end routes (CONTRACTS.md, "Gateway — Bazar routes"). */
@ApiTags('bazar')
@Controller()
@UseFilters(BazarErrorsFilter)
export class BazarController {
  constructor(private readonly reads: CatalogReadService, private readonly catalog: CatalogClient, private readonly orders: OrderClient) {}

  @Get('search/:topic')
  @ApiOperation({ summary: 'Items under a topic (exact match, URL-decoded)' })
  @ApiResponse({ status: 200, type: [BazarItemView] })
  @ApiResponse({ status: 404, type: MessageView, description: BAZAR.NO_TOPIC })
  async search(@Param('topic') topic: string, @Rid() rid: string): Promise<BazarItemView[]> {
    const items = await this.reads.search(topic, rid);
    if (!items.length) throw new DomainError(ErrorCode.NOT_FOUND, BAZAR.NO_TOPIC);
    return items.map(bazarView);
  }

  @Get('lookup/:id')
  @ApiOperation({ summary: 'One item by id' })
  @ApiResponse({ status: 200, type: BazarItemView })
  @ApiResponse({ status: 400, type: MessageView, description: 'id is not a positive integer' })
  @ApiResponse({ status: 404, type: MessageView, description: BAZAR.NO_BOOK })
  async lookup(@Param('id') raw: string, @Rid() rid: string): Promise<BazarItemView> {
    const item = await this.reads.item(parseId(raw, BAZAR.BAD_ID), rid).catch(notFoundAs(BAZAR.NO_BOOK));
    return bazarView(item);
  }

  @Put('update/price/:id')
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Set the price (admin)' })
  @ApiBody({ type: UpdatePriceDto })
  @ApiResponse({ status: 200, type: BazarItemView })
  @ApiResponse({ status: 400, type: MessageView, description: BAZAR.BAD_REQUEST })
  @ApiResponse({ status: 401, type: MessageView })
  @ApiResponse({ status: 404, type: MessageView, description: BAZAR.NO_BOOK })
  @ApiResponse({ status: 503, type: MessageView, description: 'no catalog primary can take the write' })
  async updatePrice(@Param('id') raw: string, @Body(bodyPipe(BAZAR.BAD_REQUEST)) body: UpdatePriceDto, @Rid() rid: string): Promise<BazarItemView> {
    const id = parseId(raw, BAZAR.BAD_REQUEST);
    const reply = await this.catalog.write({ type: 'set-price', id, price: body.price }, rid).catch(notFoundAs(BAZAR.NO_BOOK));
    this.reads.written(reply.items);
    return bazarView(reply.items[0]);
  }

  @Put('update/item/:id')
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Set the absolute stock (admin)' })
  @ApiBody({ type: UpdateQuantityDto })
  @ApiResponse({ status: 200, type: BazarItemView })
  @ApiResponse({ status: 400, type: MessageView, description: BAZAR.BAD_REQUEST })
  @ApiResponse({ status: 401, type: MessageView })
  @ApiResponse({ status: 404, type: MessageView, description: BAZAR.NO_BOOK })
  @ApiResponse({ status: 503, type: MessageView, description: 'no catalog primary can take the write' })
  async updateQuantity(@Param('id') raw: string, @Body(bodyPipe(BAZAR.BAD_REQUEST)) body: UpdateQuantityDto, @Rid() rid: string): Promise<BazarItemView> {
    const id = parseId(raw, BAZAR.BAD_REQUEST);
    const reply = await this.catalog.write({ type: 'set-quantity', id, quantity: body.quantity }, rid).catch(notFoundAs(BAZAR.NO_BOOK));
    this.reads.written(reply.items);
    return bazarView(reply.items[0]);
  }

  @Put('buy/:id')
  @HttpCode(201)
  @ApiOperation({ summary: 'Buy one copy: the order is confirmed on a majority of order replicas before the answer' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retried request with the same key gets the same order and takes stock once' })
  @ApiResponse({ status: 201, type: BazarBuyView })
  @ApiResponse({ status: 400, type: MessageView, description: 'id is not a positive integer, or a bad Idempotency-Key' })
  @ApiResponse({ status: 404, type: MessageView, description: BAZAR.BUY_NO_BOOK })
  @ApiResponse({ status: 410, type: MessageView, description: BAZAR.BUY_GONE })
  @ApiResponse({ status: 422, type: MessageView, description: 'the Idempotency-Key was used for a different order' })
  @ApiResponse({ status: 503, type: MessageView, description: BAZAR.NOT_READY })
  async buy(@Param('id') raw: string, @Headers('idempotency-key') key: string | undefined, @Rid() rid: string): Promise<BazarBuyView> {
    const id = parseId(raw, BAZAR.BAD_ID);
    const { order } = await this.orders.buy({ itemId: id, quantity: 1, idempotencyKey: idempotencyKey(key) }, rid).catch(withMessages({
      [ErrorCode.NOT_FOUND]: BAZAR.BUY_NO_BOOK, [ErrorCode.OUT_OF_STOCK]: BAZAR.BUY_GONE, [ErrorCode.UNAVAILABLE]: BAZAR.NOT_READY,
    }));
    return { book_id: id, order_id: order.number };
  }

  @Delete('invalidate/:id')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Drop an item from this gateway's cache (admin)" })
  @ApiResponse({ status: 200, type: MessageView, description: BAZAR.INVALIDATED })
  @ApiResponse({ status: 400, type: MessageView })
  @ApiResponse({ status: 401, type: MessageView })
  invalidate(@Param('id') raw: string): MessageView {
    this.reads.remove(parseId(raw, BAZAR.BAD_ID));
    return { message: BAZAR.INVALIDATED };
  }
}
