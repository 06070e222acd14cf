import { Controller, Get, Param, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { KvErrorsFilter } from '../http/kv-errors.filter';
import { FilesService } from './files.service';

@ApiTags('files')
@Controller('files')
@UseFilters(KvErrorsFilter)
export class FilesHttpController {
  constructor(private readonly files: FilesService) {}

  @Get()
  @ApiOperation({ summary: 'Every file kept in the cluster' })
  list() {
    return this.files.list();
  }

  @Get(':name')
  @ApiOperation({ summary: 'The bytes of a file uploaded through FTP to any node' })
  @ApiResponse({ status: 200, description: 'application/octet-stream' })
  @ApiResponse({ status: 404, description: 'no such file' })
  async get(@Param('name') name: string, @Res() reply: FastifyReply) {
    const { data, info } = await this.files.get(name);
    void reply.header('content-type', 'application/octet-stream').header('last-modified', new Date(info.updatedAt).toUTCString()).send(data);
  }
}
