// Volume growth: each member's claim raised to storageSize, never shrunk.
import { parseQuantity, planVolume } from '../../../agent/core/volume';

const MI = 1024n * 1024n;
const WANT = { text: '60Mi', bytes: 60n * MI };

describe('planVolume', () => {
  it('grows a claim that requests less than storageSize', () => {
    expect(planVolume('data-pg-0', WANT, { requestedBytes: 50n * MI, capacityBytes: 50n * MI, conditions: [] }))
      .toEqual({ kind: 'grow', reason: 'growing data-pg-0 from 50Mi to storageSize 60Mi' });
  });

  it('reports a resize under way until the capacity reaches the request', () => {
    expect(planVolume('data-pg-0', WANT, { requestedBytes: 60n * MI, capacityBytes: 50n * MI, conditions: ['FileSystemResizePending'] }))
      .toEqual({ kind: 'resizing', reason: 'data-pg-0 is being resized to 60Mi, 50Mi so far (FileSystemResizePending)' });
  });

  it('has nothing to do once the claim has storageSize', () => {
    expect(planVolume('data-pg-0', WANT, { requestedBytes: 60n * MI, capacityBytes: 64n * MI, conditions: [] }).kind).toBe('none');
  });

  it('never shrinks a claim larger than storageSize, and says so', () => {
    expect(planVolume('data-pg-0', WANT, { requestedBytes: 80n * MI, capacityBytes: 80n * MI, conditions: [] }))
      .toEqual({ kind: 'shrink-refused', reason: 'data-pg-0 requests 80Mi, more than storageSize 60Mi: a volume never shrinks, so it stays as it is' });
  });
});

describe('parseQuantity', () => {
  it('reads binary and decimal suffixes, plain bytes and fractions (rounded up)', () => {
    expect(parseQuantity('50Mi')).toBe(50n * MI);
    expect(parseQuantity('1Gi')).toBe(1024n * MI);
    expect(parseQuantity('500M')).toBe(500_000_000n);
    expect(parseQuantity('62914560')).toBe(62914560n);
    expect(parseQuantity('1.5Ki')).toBe(1536n);
    expect(parseQuantity('0.1')).toBe(1n);
  });

  it('answers null for what is not a quantity', () => {
    expect(parseQuantity('lots')).toBeNull();
    expect(parseQuantity('5 Gi')).toBeNull();
  });
});
