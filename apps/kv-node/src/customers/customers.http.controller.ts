import { Body, Catch, Controller, Get, HttpCode, Inject, Injectable, Param, Post, Put, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AllErrorsFilter, HTTP_STATUS_OF, LOGGER } from '@app/cluster';
import type { Logger } from 'pino';
import { CustomersService } from './customers.service';

/** The Bookstore's error shape: {"error": "..."}. */
@Catch()
@Injectable()
export class BookstoreErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => {
      const status = HTTP_STATUS_OF[err.code];
      return { status, body: { error: err.message }, headers: status === 503 ? { 'Retry-After': String(err.details?.retryAfterSeconds ?? 1) } : undefined };
    });
  }
}

/** This node's replica of the Bookstore's customers (GET), and writes through the leader (POST, PUT). */
@ApiTags('customers')
@Controller('customers')
@UseFilters(BookstoreErrorsFilter)
export class CustomersHttpController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @ApiOperation({ summary: "This node's own replica of the customers" })
  list() {
    return this.customers.list(true);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a customer (through the leader)' })
  @ApiBody({ schema: { example: { name: 'Carol', email: 'carol@example.com' } } })
  @ApiResponse({ status: 200, description: '{"message": "New customer added successfully!", "id"}' })
  async create(@Body() body: unknown) {
    const c = await this.customers.create(body);
    return { message: 'New customer added successfully!', id: c.id };
  }

  @Put(':id')
  @ApiOperation({ summary: 'Update a customer (through the leader)' })
  @ApiResponse({ status: 200, description: '{"message": "Customer updated successfully!"}' })
  @ApiResponse({ status: 404, description: '{"error": "Customer ID not found."}' })
  async update(@Param('id') id: string, @Body() body: unknown) {
    await this.customers.update(/^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : -1, body);
    return { message: 'Customer updated successfully!' };
  }
}
