import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { FeedService } from './feed.service';

/** WebSocket /ws: the live feed of every change in the cluster (server to client only). */
@WebSocketGateway({ path: '/ws' })
export class FeedGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(private readonly feed: FeedService) {}

  handleConnection(client: WebSocket): void {
    this.feed.add(client);
  }

  handleDisconnect(client: WebSocket): void {
    this.feed.remove(client);
  }
}
