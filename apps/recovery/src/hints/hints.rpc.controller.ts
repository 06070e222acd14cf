import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { RECOVERY, type AckHintsRequest, type FenceRequest, type GetHintsRequest, type PutHintsRequest } from '@app/contracts';
import { HintsService } from './hints.service';

@RpcController()
export class HintsRpcController {
  constructor(private readonly hints: HintsService) {}

  @MessagePattern(RECOVERY.PUT_HINTS)
  put(@Payload() req: PutHintsRequest) {
    return this.hints.put(req);
  }

  @MessagePattern(RECOVERY.GET_HINTS)
  get(@Payload() req: GetHintsRequest) {
    return this.hints.get(req);
  }

  @MessagePattern(RECOVERY.ACK_HINTS)
  ack(@Payload() req: AckHintsRequest) {
    return this.hints.ack(req);
  }

  @MessagePattern(RECOVERY.FENCE)
  fence(@Payload() req: FenceRequest) {
    return this.hints.fence(req);
  }

  @MessagePattern(RECOVERY.STATS)
  stats() {
    return this.hints.stats();
  }
}
