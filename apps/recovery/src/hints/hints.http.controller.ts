import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HintsService } from './hints.service';

@ApiTags('hints')
@Controller()
export class HintsHttpController {
  constructor(private readonly hints: HintsService) {}

  @Get('hints')
  @ApiOperation({ summary: 'Hints waiting for delivery, per service and target replica' })
  stats() {
    return this.hints.stats();
  }
}
