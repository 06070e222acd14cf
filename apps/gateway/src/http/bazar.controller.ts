import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, type Item } from '@app/contracts';
import { AdminGuard } from '../auth/admin.guard';
import { CatalogClient } from '../catalog/catalog.client';
import { CatalogReadService, notFoundAs } from '../catalog/catalog-read.service';
import { BazarErrorsFilter } from './contract-errors';
import { BazarItemView, MessageView, UpdatePriceDto, UpdateQuantityDto } from './dto';
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
  constructor(private readonly reads: CatalogReadService, private readonly catalog: CatalogClient) {}

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
