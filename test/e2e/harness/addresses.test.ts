import { AddressBook, macFor } from '../../../e2e/harness/addresses';

describe('AddressBook', () => {
  it('gives a pod the same address every time, and each pod its own', () => {
    const book = new AddressBook();
    const first = book.podSlot('demo', 'db-0');
    expect(book.podSlot('demo', 'db-1')).toEqual({ address: '10.244.1.3', index: 3 });
    expect(book.podSlot('demo', 'db-0')).toEqual(first);
    expect(first).toEqual({ address: '10.244.1.2', index: 2 });
  });

  it('gives Services addresses in the service range', () => {
    const book = new AddressBook();
    expect(book.serviceAddress('demo', 'db')).toBe('10.96.0.10');
    expect(book.serviceAddress('demo', 'db-replicas')).toBe('10.96.0.11');
    expect(book.serviceAddress('demo', 'db')).toBe('10.96.0.10');
  });
});

describe('macFor', () => {
  it('derives a locally administered MAC from the address', () => {
    expect(macFor('10.244.1.2')).toBe('02:42:0a:f4:01:02');
  });
});
