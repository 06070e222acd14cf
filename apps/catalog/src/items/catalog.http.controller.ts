import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Item, ReplicaStatus } from '@app/contracts';
import { CatalogReplica } from '../replication/catalog-replica';
import { CatalogService } from './catalog.service';

/** Read-only view of this replica's own store, for operators and tests (clients use the gateway). */
@ApiTags('replica')
@Controller()
export class CatalogHttpController {
  constructor(private readonly catalog: CatalogService, private readonly replica: CatalogReplica) {}

  @Get('items')
  @ApiOperation({ summary: "Every item in this replica's database, with versions" })
  items(): Item[] {
    return this.catalog.list();
  }

  @Get('items/:id')
  @ApiOperation({ summary: "One item as this replica holds it" })
  item(@Param('id', ParseIntPipe) id: number): Item {
    return this.catalog.get(id);
  }

  @Get('stock-ledger')
  @ApiOperation({ summary: 'Sum of recorded stock changes per item (equals the quantity: invariant 1)' })
  ledger() {
    return this.catalog.ledger();
  }

  @Get('replica')
  @ApiOperation({ summary: 'Role, term, log position and readiness of this replica' })
  status(): ReplicaStatus {
    return this.replica.status();
  }
}
