import { Controller, Get, Param, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CatalogReadService, notFoundAs } from '../catalog/catalog-read.service';
import { ToyStoreErrorsFilter } from './contract-errors';
import { ToyErrorView, ToyProductView } from './dto';
import { TOY_STORE } from './messages';
import { Rid } from './rid.decorator';

/** The Toy Store's front-end routes (COMPSCI 677 lab API; CONTRACTS.md). */
@ApiTags('toy-store')
@Controller()
@UseFilters(ToyStoreErrorsFilter)
export class ToyStoreController {
  constructor(private readonly reads: CatalogReadService) {}

  @Get('products/:name')
  @ApiOperation({ summary: 'A toy by name' })
  @ApiResponse({ status: 200, type: ToyProductView })
  @ApiResponse({ status: 404, type: ToyErrorView, description: TOY_STORE.NOT_FOUND })
  async product(@Param('name') name: string, @Rid() rid: string): Promise<ToyProductView> {
    const item = await this.reads.byName(name, 'toy', rid).catch(notFoundAs(TOY_STORE.NOT_FOUND));
    return { data: { name: item.title, price: item.price, quantity: item.quantity } };
  }
}
