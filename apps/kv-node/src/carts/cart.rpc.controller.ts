import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { CART_STORE, DomainError, ErrorCode, type CartAddRequest, type CartGetRequest, type CartKeysRequest, type CartMergeRequest } from '@app/contracts';
import { CartService } from './cart.service';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);

/** Local get / merge / add of versioned cart documents on this node (no leader involved). */
@RpcController()
export class CartRpcController {
  constructor(private readonly carts: CartService) {}

  @MessagePattern(CART_STORE.GET)
  get(@Payload() req: CartGetRequest) {
    if (typeof req?.key !== 'string') throw bad('get needs key');
    return this.carts.store.get(req.key);
  }

  @MessagePattern(CART_STORE.MERGE)
  merge(@Payload() req: CartMergeRequest) {
    if (typeof req?.key !== 'string' || !req.doc?.value?.fields || typeof req.doc.version !== 'object') throw bad('merge needs key and doc');
    return this.carts.store.merge(req.key, req.doc);
  }

  @MessagePattern(CART_STORE.ADD)
  add(@Payload() req: CartAddRequest) {
    return this.carts.add(req);
  }

  @MessagePattern(CART_STORE.KEYS)
  keys(@Payload() req: CartKeysRequest) {
    return this.carts.store.keys(typeof req?.prefix === 'string' ? req.prefix : '');
  }
}
