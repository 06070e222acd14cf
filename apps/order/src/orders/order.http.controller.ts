import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReplicaStatus } from '@app/contracts';
import { OrderReplica } from '../replication/order-replica';
import { OrderService } from './order.service';

/** Read-only view of this replica's own store, for operators and tests (clients use the gateway). */
@ApiTags('replica')
@Controller()
export class OrderHttpController {
  constructor(private readonly orders: OrderService, private readonly replica: OrderReplica) {}

  @Get('orders')
  @ApiOperation({ summary: "Every order in this replica's database, and the orders it has pending" })
  list() {
    return this.orders.list();
  }

  @Get('replica')
  @ApiOperation({ summary: 'Role, term, log position and readiness of this replica' })
  status(): ReplicaStatus {
    return this.replica.status();
  }
}
