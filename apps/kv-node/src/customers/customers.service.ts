import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type Customer } from '@app/contracts';
import { KvService } from '../kv/kv.service';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;
export const CUSTOMER_NOT_FOUND = 'Customer ID not found.';

/**
 * The Bookstore's customers (NoSQL), kept in the `customers` namespace: durable, on every kv-node.
 * Writes go through the partition leader (ids come from an atomic counter there); `local` reads show
 * this node's own replica (the Bookstore's "replica on its own port").
 */
@Injectable()
export class CustomersService {
  constructor(private readonly kv: KvService) {}

  static validate(body: unknown): { name: string; email: string } {
    const b = body as { name?: unknown; email?: unknown } | null;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'the body must be {name, email}');
    if (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 200) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'name is required (1 to 200 characters)');
    if (typeof b.email !== 'string' || b.email.length > 254 || !EMAIL.test(b.email)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'email must be a valid address');
    return { name: b.name.trim(), email: b.email };
  }

  async list(local = false): Promise<Customer[]> {
    const entries = local
      ? this.kv.ns('customers').scan('c:')
      : await this.kv.execute({ op: 'scan', ns: 'customers', prefix: 'c:' }).then((r) => ('entries' in r ? r.entries : []));
    return entries.map((e) => e.value as Customer).sort((a, b) => a.id - b.id);
  }

  async create(body: unknown, rid?: string): Promise<Customer> {
    const { name, email } = CustomersService.validate(body);
    const r = await this.kv.execute({ op: 'incr', ns: 'customers', key: 'seq', by: 1 }, { rid });
    const id = 'value' in r ? (r.value as number) : NaN;
    const c: Customer = { id, name, email, orders_count: 0 };
    await this.kv.execute({ op: 'put', ns: 'customers', key: `c:${id}`, value: c }, { rid });
    return c;
  }

  async update(id: number, body: unknown, rid?: string): Promise<Customer> {
    const { name, email } = CustomersService.validate(body);
    if (!Number.isSafeInteger(id) || id < 1) throw new DomainError(ErrorCode.NOT_FOUND, CUSTOMER_NOT_FOUND);
    const cur = await this.kv.execute({ op: 'get', ns: 'customers', key: `c:${id}` }, { rid });
    if (!('found' in cur) || !cur.found) throw new DomainError(ErrorCode.NOT_FOUND, CUSTOMER_NOT_FOUND);
    const c: Customer = { ...(cur.value as Customer), name, email };
    await this.kv.execute({ op: 'put', ns: 'customers', key: `c:${id}`, value: c }, { rid });
    return c;
  }
}
