import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterCoreModule, type LoadedConfig } from '@app/cluster';
import type { Logger } from 'pino';
import { AntiEntropyService } from './antientropy/anti-entropy.service';
import { CartRpcController } from './carts/cart.rpc.controller';
import { CartService } from './carts/cart.service';
import { BookstoreErrorsFilter, CustomersHttpController } from './customers/customers.http.controller';
import { CustomersRpcController } from './customers/customers.rpc.controller';
import { CustomersService } from './customers/customers.service';
import { TxParticipantService } from './customers/tx-participant.service';
import type { KvEnv } from './config/kv.config';
import { FeedGateway } from './feed/feed.gateway';
import { FeedService } from './feed/feed.service';
import { FilesHttpController } from './files/files.http.controller';
import { FilesService } from './files/files.service';
import { FtpService } from './files/ftp.service';
import { HealthController } from './health/health.controller';
import { KvErrorsFilter } from './http/kv-errors.filter';
import { KvHttpController } from './http/kv.http.controller';
import { KvRpcController } from './kv/kv.rpc.controller';
import { KvService } from './kv/kv.service';
import { MembershipService } from './membership/membership.service';

@Module({})
export class AppModule {
  static forRoot(config: LoadedConfig<KvEnv>, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ClusterCoreModule.forRoot(config, logger), TerminusModule],
      controllers: [KvHttpController, FilesHttpController, CustomersHttpController, KvRpcController, CartRpcController, CustomersRpcController, HealthController],
      providers: [MembershipService, FeedService, FeedGateway, KvService, AntiEntropyService, FilesService, FtpService, CartService, CustomersService, TxParticipantService, KvErrorsFilter, BookstoreErrorsFilter],
    };
  }
}
