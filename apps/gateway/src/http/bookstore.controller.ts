import { Body, Controller, Get, HttpCode, Param, Post, Put, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CUSTOMERS, DomainError, ErrorCode, type Customer, type Item } from '@app/contracts';
import { AdminGuard } from '../auth/admin.guard';
import { CatalogClient } from '../catalog/catalog.client';
import { CatalogReadService, notFoundAs } from '../catalog/catalog-read.service';
import { KvClient } from '../kv/kv.client';
import { TwoPhaseCommitService, type NewBook } from '../tx/two-phase-commit.service';
import { BookstoreErrorsFilter } from './contract-errors';
import { Rid } from './rid.decorator';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
const BOOK_EXAMPLE = { title: 'Dune', author: 'Frank Herbert', price: 9.99, quantity: 4 };

/** {title, author, price, quantity}, all present and well typed (the original answered 500 to less). */
function book(body: unknown): NewBook {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw bad('Missing or invalid field: the body must be {title, author, price, quantity}');
  if (typeof b.title !== 'string' || !b.title.trim() || b.title.length > 500) throw bad('Missing or invalid field: title');
  if (typeof b.author !== 'string' || !b.author.trim() || b.author.length > 200) throw bad('Missing or invalid field: author');
  if (typeof b.price !== 'number' || !Number.isFinite(b.price) || b.price < 0 || b.price > 1e12) throw bad('Missing or invalid field: price');
  if (!Number.isSafeInteger(b.quantity) || (b.quantity as number) < 0 || (b.quantity as number) > 1e9) throw bad('Missing or invalid field: quantity');
  return { title: b.title.trim(), author: b.author.trim(), price: b.price, quantity: b.quantity as number };
}

const view = (i: Item) => ({ id: i.id, title: i.title, author: i.author, price: i.price, quantity: i.quantity });

/** The Bookstore's routes (CONTRACTS.md): books in the catalog (SQL), customers in the kv datastore (NoSQL). */
@ApiTags('bookstore')
@Controller()
@UseFilters(BookstoreErrorsFilter)
export class BookstoreController {
  constructor(
    private readonly reads: CatalogReadService,
    private readonly catalog: CatalogClient,
    private readonly kv: KvClient,
    private readonly tpc: TwoPhaseCommitService,
  ) {}

  @Get('books')
  @ApiOperation({ summary: 'Every book (not toys), through the caches' })
  @ApiResponse({ status: 200, description: '[{id, title, author, price, quantity}]' })
  async books(@Rid() rid: string) {
    return (await this.reads.books(rid)).map(view);
  }

  @Post('books')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Add a book (admin)' })
  @ApiBody({ schema: { example: BOOK_EXAMPLE } })
  @ApiResponse({ status: 200, description: '{"message": "New book added successfully!", "id"}' })
  @ApiResponse({ status: 400, description: '{"error": "Missing or invalid field: …"}' })
  async addBook(@Body() body: unknown, @Rid() rid: string) {
    const b = book(body);
    const r = await this.catalog.write({ type: 'add-item', item: { kind: 'book', topic: 'books', ...b } }, rid, false);
    this.reads.written(r.items);
    return { message: 'New book added successfully!', id: r.items[0].id };
  }

  @Put('books/:id')
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Replace a book (admin; the full body as for POST)' })
  @ApiBody({ schema: { example: BOOK_EXAMPLE } })
  @ApiResponse({ status: 200, description: '{"message": "Book updated successfully!"}' })
  @ApiResponse({ status: 404, description: '{"error": "Book ID not found."}' })
  @ApiResponse({ status: 400, description: '{"error": "Missing or invalid field: …"}' })
  async updateBook(@Param('id') raw: string, @Body() body: unknown, @Rid() rid: string) {
    const b = book(body);
    if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new DomainError(ErrorCode.NOT_FOUND, 'Book ID not found.');
    const r = await this.catalog.write({ type: 'update-item', id: Number(raw), kind: 'book', fields: b }, rid).catch(notFoundAs('Book ID not found.'));
    this.reads.written(r.items);
    return { message: 'Book updated successfully!' };
  }

  @Get('customers')
  @ApiOperation({ summary: 'Every customer (the kv datastore, leader-ordered)' })
  @ApiResponse({ status: 200, description: '[{id, name, email, orders_count}]' })
  customers(@Rid() rid: string): Promise<Customer[]> {
    return this.kv.send<Customer[]>(CUSTOMERS.LIST, {}, rid);
  }

  @Post('customers')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a customer (orders_count starts at 0)' })
  @ApiBody({ schema: { example: { name: 'Carol', email: 'carol@example.com' } } })
  @ApiResponse({ status: 200, description: '{"message": "New customer added successfully!", "id"}' })
  @ApiResponse({ status: 400, description: '{"error": …}' })
  async addCustomer(@Body() body: unknown, @Rid() rid: string) {
    const c = await this.kv.send<Customer>(CUSTOMERS.CREATE, { ...(body as object), rid }, rid);
    return { message: 'New customer added successfully!', id: c.id };
  }

  @Put('customers/:id')
  @ApiOperation({ summary: 'Update a customer' })
  @ApiBody({ schema: { example: { name: 'Carol', email: 'carol@example.com' } } })
  @ApiResponse({ status: 200, description: '{"message": "Customer updated successfully!"}' })
  @ApiResponse({ status: 404, description: '{"error": "Customer ID not found."}' })
  @ApiResponse({ status: 503, description: 'the customer is locked by a prepared /books-2pc (Retry-After)' })
  async updateCustomer(@Param('id') raw: string, @Body() body: unknown, @Rid() rid: string) {
    const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : -1;
    await this.kv.send(CUSTOMERS.UPDATE, { ...(body && typeof body === 'object' && !Array.isArray(body) ? body : { invalid: true }), id, rid }, rid);
    return { message: 'Customer updated successfully!' };
  }

  @Post('books-2pc')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Add a book AND count one more order for every customer, atomically (two-phase commit; admin)' })
  @ApiBody({ schema: { example: BOOK_EXAMPLE } })
  @ApiResponse({ status: 200, description: '{"message": "New book added successfully!", "id"}' })
  @ApiResponse({ status: 400, description: '{"error": "Missing or invalid field: …"}' })
  @ApiResponse({ status: 503, description: '{"error": "Failed to add book: …"} — a participant could not prepare; nothing changed' })
  async addBook2pc(@Body() body: unknown, @Rid() rid: string) {
    const r = await this.tpc.addBook(book(body), rid);
    return { message: 'New book added successfully!', id: r.id };
  }
}
