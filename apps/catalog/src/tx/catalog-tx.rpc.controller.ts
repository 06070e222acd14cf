import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import { CATALOG_TX, DomainError, ErrorCode, type TxFinishRequest, type TxPrepareRequest } from '@app/contracts';
import { CatalogTxService } from './catalog-tx.service';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);

@RpcController()
export class CatalogTxRpcController {
  constructor(private readonly tx: CatalogTxService) {}

  @MessagePattern(CATALOG_TX.PREPARE)
  prepare(@Payload() req: TxPrepareRequest) {
    if (typeof req?.txId !== 'string' || !Number.isSafeInteger(req?.coordinator)) throw bad('prepare needs txId and coordinator');
    return this.tx.prepare(req);
  }

  @MessagePattern(CATALOG_TX.COMMIT)
  commit(@Payload() req: TxFinishRequest) {
    if (typeof req?.txId !== 'string') throw bad('commit needs txId');
    return this.tx.finish(req, 'committed');
  }

  @MessagePattern(CATALOG_TX.ABORT)
  abort(@Payload() req: TxFinishRequest) {
    if (typeof req?.txId !== 'string') throw bad('abort needs txId');
    return this.tx.finish(req, 'aborted');
  }
}
