import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { COORDINATOR, DomainError, ErrorCode, type TxStatusRequest } from '@app/contracts';
import { TwoPhaseCommitService } from './two-phase-commit.service';

/** Participants in doubt ask the coordinator what became of a transaction. */
@RpcController()
export class CoordinatorRpcController {
  constructor(private readonly tpc: TwoPhaseCommitService) {}

  @MessagePattern(COORDINATOR.STATUS)
  status(@Payload() req: TxStatusRequest) {
    if (typeof req?.txId !== 'string') throw new DomainError(ErrorCode.VALIDATION_FAILED, 'status needs txId');
    return this.tpc.status(req.txId);
  }
}
