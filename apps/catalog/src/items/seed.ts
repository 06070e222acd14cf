import type { Item } from '@app/contracts';

type SeedItem = Omit<Item, 'version'>;

/** The seed data of CONTRACTS.md, in its order: Bazar's books, the Toy Store's toys, the Bookstore's books. */
export const SEED_ITEMS: SeedItem[] = [
  ...([
    ['How to get a good grade in DOS in 20 minutes a day', 'distributed systems', 9000, 77],
    ['RPCs for Dummies', 'distributed systems', 70, 199],
    ['Xen and the Art of Surviving Graduate School', 'graduate school', 69, 74],
    ['Cooking for the Impatient Graduate Student', 'graduate school', 15, 20],
    ['How to finish Project 3 on time', 'time management', 88, 18],
    ['Why theory classes are so hard', 'spring', 28, 440],
    ['Spring in the Pioneer Valley', 'spring', 9, 59],
  ] as const).map(([title, topic, price, quantity]) => ({ kind: 'book' as const, title, topic, author: null, price, quantity })),
  ...([
    ['Tux', 15.99], ['Whale', 20.99], ['Elephant', 25.99], ['Bird', 30.99], ['Lego', 35.99],
    ['Frisbee', 19.99], ['Barbie', 29.99], ['Monopoly', 19.99], ['Marbles', 9.99], ['Chess', 19.99],
  ] as const).map(([title, price]) => ({ kind: 'toy' as const, title, topic: 'toys', author: null, price, quantity: 100 })),
  ...([
    ['The Great Gatsby', 'F. Scott Fitzgerald', 10.99, 5],
    ['To Kill a Mockingbird', 'Harper Lee', 12.5, 3],
    ['451 Fahrenheit', 'Ray Bradbury', 11.99, 5],
    ['1984', 'George Orwell', 12.99, 5],
  ] as const).map(([title, author, price, quantity]) => ({ kind: 'book' as const, title, topic: 'classics', author, price, quantity })),
].map((item, i) => ({ id: i + 1, ...item }));

export function seedItems(): Item[] {
  return SEED_ITEMS.map((i) => ({ ...i, version: 1 }));
}
