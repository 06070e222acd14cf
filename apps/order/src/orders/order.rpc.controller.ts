import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { ORDER, type BuyReply, type BuyRequest, type GetOrderRequest, type Order } from '@app/contracts';
import { OrderService } from './order.service';

@RpcController()
export class OrderRpcController {
  constructor(private readonly orders: OrderService) {}

  @MessagePattern(ORDER.BUY)
  buy(@Payload() req: BuyRequest): Promise<BuyReply> {
    return this.orders.buy(req);
  }

  @MessagePattern(ORDER.GET)
  get(@Payload() req: GetOrderRequest): Promise<Order> {
    return this.orders.get(req?.number, req?.term);
  }
}
