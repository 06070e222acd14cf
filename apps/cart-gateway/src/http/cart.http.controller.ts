import { Body, Catch, Controller, Get, HttpCode, Inject, Injectable, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AllErrorsFilter, HTTP_STATUS_OF, LOGGER } from '@app/cluster';
import { DomainError, ErrorCode } from '@app/contracts';
import type { Logger } from 'pino';
import { CartService } from '../cart/cart.service';
import { CartMembership } from '../membership/cart-membership.service';
import { AdminGuard } from './admin.guard';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;
const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

function email(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 254 || !EMAIL.test(raw)) throw bad('email must be a valid address');
  return raw.toLowerCase();
}

function name(raw: unknown): string {
  if (typeof raw !== 'string' || !raw || raw.length > 200) throw bad('name must be a string of 1 to 200 characters');
  return raw;
}

/** {product: quantity}: quantities are integers (negative to remove), at most 100 products per request. */
function quantities(raw: unknown, allowZero: boolean): Record<string, number> {
  if (!isObject(raw)) throw bad('cart must be an object of product: quantity');
  const entries = Object.entries(raw);
  if (entries.length > 100) throw bad('at most 100 products per request');
  for (const [p, q] of entries) {
    if (!p || p.length > 200) throw bad('product names are 1 to 200 characters');
    if (!Number.isSafeInteger(q) || Math.abs(q as number) > 1_000_000_000 || (!allowZero && q === 0)) throw bad(`quantity of ${JSON.stringify(p)} must be a non-zero integer`);
    if (allowZero && (q as number) < 0) throw bad(`quantity of ${JSON.stringify(p)} must be >= 0`);
  }
  return raw as Record<string, number>;
}

function version(raw: unknown): Record<string, number> {
  if (!isObject(raw) || !Object.values(raw).every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) throw bad('version must be a version vector {node: counter}');
  return raw as Record<string, number>;
}

/** Errors in the cart store's shape: {"message"}; a version conflict also carries the current value. */
@Catch()
@Injectable()
export class CartErrorsFilter extends AllErrorsFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, (err) => {
      const status = HTTP_STATUS_OF[err.code];
      const headers = status === 503 ? { 'Retry-After': String(err.details?.retryAfterSeconds ?? 1) } : undefined;
      return { status, body: { message: err.message, ...(err.details?.current ? { current: err.details.current } : {}) }, headers };
    });
  }
}

/** The Cart Store routes (CONTRACTS.md, cart-gateway): any cart-gateway, no leader. */
@ApiTags('cart')
@Controller()
@UseFilters(CartErrorsFilter)
export class CartHttpController {
  constructor(private readonly carts: CartService, private readonly members: CartMembership) {}

  @Post('createuser')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user with an empty cart' })
  @ApiBody({ schema: { example: { email: 'alice@example.com' } } })
  @ApiResponse({ status: 201, description: '{email, cart: {}, version}' })
  @ApiResponse({ status: 409, description: 'a read quorum already has this user (best effort)' })
  @ApiResponse({ status: 400, description: 'bad email' })
  createUser(@Body() body: unknown) {
    return this.carts.createUser(email(isObject(body) ? body.email : undefined));
  }

  @Get('user')
  @ApiOperation({ summary: 'A user and the cart, merged from a read quorum (stale replicas are repaired)' })
  @ApiQuery({ name: 'email' })
  @ApiResponse({ status: 200, description: '{email, cart: {product: qty}, version}' })
  @ApiResponse({ status: 404, description: 'no such user' })
  getUser(@Query('email') e: unknown) {
    return this.carts.getUser(email(e));
  }

  @Post('user')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the cart when `version` is not older than the current one' })
  @ApiBody({ schema: { example: { email: 'alice@example.com', cart: { Tux: 2 }, version: { '1': 3 } } } })
  @ApiResponse({ status: 200, description: 'the cart after the replacement' })
  @ApiResponse({ status: 409, description: '{message, current}: the cart changed since that version' })
  replace(@Body() body: unknown) {
    if (!isObject(body)) throw bad('the body must be {email, cart, version}');
    return this.carts.replaceCart(email(body.email), quantities(body.cart, true), version(body.version));
  }

  @Post('addtocart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add quantities (negative to remove); concurrent adds are never lost' })
  @ApiBody({ schema: { example: { email: 'alice@example.com', cart: { Tux: 1 } } } })
  @ApiResponse({ status: 200, description: 'the merged cart' })
  @ApiResponse({ status: 404, description: 'no such user' })
  addToCart(@Body() body: unknown) {
    if (!isObject(body)) throw bad('the body must be {email, cart}');
    return this.carts.addToCart(email(body.email), quantities(body.cart, false));
  }

  @Get('userslist')
  @ApiOperation({ summary: 'Every user (union over the nodes)' })
  users() {
    return this.carts.usersList();
  }

  @Get('product')
  @ApiOperation({ summary: 'A product and its stock' })
  @ApiQuery({ name: 'name' })
  @ApiResponse({ status: 200, description: '{name, quantity, version}' })
  @ApiResponse({ status: 404, description: 'no such product' })
  product(@Query('name') n: unknown) {
    return this.carts.getProduct(name(n));
  }

  @Post('product')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add to the stock of a product (a counter: concurrent restocks all count)' })
  @ApiBody({ schema: { example: { name: 'Tux', quantity: 10 } } })
  addProduct(@Body() body: unknown) {
    if (!isObject(body)) throw bad('the body must be {name, quantity}');
    const q = body.quantity;
    if (!Number.isSafeInteger(q) || q === 0 || Math.abs(q as number) > 1_000_000_000) throw bad('quantity must be a non-zero integer');
    return this.carts.addProduct(name(body.name), q as number);
  }

  @Get('productslist')
  @ApiOperation({ summary: 'Every product (union over the nodes)' })
  products() {
    return this.carts.productsList();
  }

  @Get('members')
  @ApiOperation({ summary: 'The cart store members, which left, and their health' })
  membersView() {
    return {
      members: this.members.nodes.map((n) => ({ id: n.id, member: !this.members.leftNodes().includes(n.id), healthy: this.members.isHealthy(n.id) })),
      n: this.members.members().length,
      replicas: this.members.replicasPerKey,
    };
  }

  @Post('members/:id/leave')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Make a kv-node leave the cart store: only the keys that must move are moved (admin)' })
  leave(@Param('id') id: string) {
    const n = this.member(id);
    return this.carts.changeMembership([...new Set([...this.members.leftNodes(), n])]);
  }

  @Post('members/:id/join')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Make a kv-node (back) a member: only the keys that must move are moved (admin)' })
  join(@Param('id') id: string) {
    const n = this.member(id);
    return this.carts.changeMembership(this.members.leftNodes().filter((x) => x !== n));
  }

  private member(raw: string): number {
    const id = Number(raw);
    if (!this.members.nodes.some((n) => n.id === id)) throw bad(`no kv-node with id ${raw}`);
    return id;
  }
}
