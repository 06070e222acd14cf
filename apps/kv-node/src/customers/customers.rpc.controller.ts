import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcController } from '@app/cluster';
import {
  CUSTOMERS, DomainError, ErrorCode, TX,
  type CustomerCreateRequest, type CustomersListRequest, type CustomerUpdateRequest, type TxFinishRequest, type TxPrepareRequest,
} from '@app/contracts';
import { CustomersService } from './customers.service';
import { TxParticipantService } from './tx-participant.service';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);

/** Customers and their two-phase-commit participant, for the gateway. */
@RpcController()
export class CustomersRpcController {
  constructor(private readonly customers: CustomersService, private readonly tx: TxParticipantService) {}

  @MessagePattern(CUSTOMERS.LIST)
  list(@Payload() req: CustomersListRequest) {
    return this.customers.list(!!req?.local);
  }

  @MessagePattern(CUSTOMERS.CREATE)
  create(@Payload() req: CustomerCreateRequest) {
    return this.customers.create(req, req?.rid);
  }

  @MessagePattern(CUSTOMERS.UPDATE)
  update(@Payload() req: CustomerUpdateRequest) {
    return this.customers.update(req?.id, req, req?.rid);
  }

  @MessagePattern(TX.PREPARE)
  prepare(@Payload() req: TxPrepareRequest) {
    if (typeof req?.txId !== 'string' || !req.txId || !Number.isSafeInteger(req?.coordinator)) throw bad('prepare needs txId and coordinator');
    return this.tx.prepare(req);
  }

  @MessagePattern(TX.COMMIT)
  commit(@Payload() req: TxFinishRequest) {
    if (typeof req?.txId !== 'string') throw bad('commit needs txId');
    return this.tx.finish(req, 'committed');
  }

  @MessagePattern(TX.ABORT)
  abort(@Payload() req: TxFinishRequest) {
    if (typeof req?.txId !== 'string') throw bad('abort needs txId');
    return this.tx.finish(req, 'aborted');
  }
}
