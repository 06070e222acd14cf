import { DomainError, ErrorCode } from '@app/contracts';
import { contractError } from './contract-errors';
import { parseId } from './params';

describe('contractError', () => {
  it('maps codes to each API flavour with its own body shape', () => {
    expect(contractError('bazar', new DomainError(ErrorCode.OUT_OF_STOCK, 'This book is currently unavailable')))
      .toEqual({ status: 410, body: { message: 'This book is currently unavailable' } });
    expect(contractError('toy-store', new DomainError(ErrorCode.OUT_OF_STOCK, 'product out of stock')))
      .toEqual({ status: 409, body: { error: { code: 409, message: 'product out of stock' } } });
    expect(contractError('toy-store', new DomainError(ErrorCode.NOT_FOUND, 'product not found')))
      .toEqual({ status: 404, body: { error: { code: 404, message: 'product not found' } } });
    expect(contractError('bookstore', new DomainError(ErrorCode.NOT_FOUND, 'Customer ID not found.')))
      .toEqual({ status: 404, body: { error: 'Customer ID not found.' } });
  });

  it('answers 503 with Retry-After when the cluster cannot serve, and 401 with a message body in every flavour', () => {
    expect(contractError('bazar', new DomainError(ErrorCode.UNAVAILABLE, 'x'))).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect(contractError('toy-store', new DomainError(ErrorCode.UNAUTHORIZED, 'no'))).toEqual({ status: 401, body: { message: 'no' } });
  });

  it('never maps a domain error to a 5xx other than the unavailable family', () => {
    for (const code of Object.values(ErrorCode)) {
      const { status } = contractError('bazar', new DomainError(code, 'm'));
      if (status >= 500) expect([ErrorCode.UNAVAILABLE, ErrorCode.NOT_LEADER, ErrorCode.STALE_TERM, ErrorCode.QUORUM_NOT_MET, ErrorCode.INTERNAL]).toContain(code);
    }
  });
});

describe('parseId', () => {
  it('accepts positive integers only', () => {
    expect(parseId('42', 'bad')).toBe(42);
    for (const odd of ['0', '-1', '1.0', '1e2', '01', ' 1', 'abc', '', '9007199254740993']) {
      expect(() => parseId(odd, 'bad')).toThrow('bad');
    }
  });
});
