import { counterAdd, counterDominates, counterMerge, counterValue, ZERO_COUNTER, type Counter } from './counter';

/** A cart: one counter per product. Product stock in the cart store is the same kind of counter. */
export type Cart = Readonly<Record<string, Counter>>;

export function cartAdd(cart: Cart, node: string, changes: Readonly<Record<string, number>>): Cart {
  const out: Record<string, Counter> = { ...cart };
  for (const [product, delta] of Object.entries(changes)) out[product] = counterAdd(out[product] ?? ZERO_COUNTER, node, delta);
  return out;
}

export function cartMerge(a: Cart, b: Cart): Cart {
  const out: Record<string, Counter> = { ...a };
  for (const [product, c] of Object.entries(b)) out[product] = out[product] ? counterMerge(out[product], c) : c;
  return out;
}

export function cartDominates(a: Cart, b: Cart): boolean {
  return Object.entries(b).every(([p, c]) => !!a[p] && counterDominates(a[p], c));
}

/**
 * What a client sees: product → quantity, never below 0 and without products at 0. A raw count can
 * go negative when a removal races with the add it meant to undo on another replica; the removal is
 * kept (it is not lost) but shown as 0 rather than as a negative quantity.
 */
export function cartValue(cart: Cart): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [product, c] of Object.entries(cart)) {
    const v = counterValue(c);
    if (v > 0) out[product] = v;
  }
  return out;
}
