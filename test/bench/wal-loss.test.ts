import { forkPoint } from '../../bench/k8s/wal-loss';

describe('the fork of the newest timeline', () => {
  it('reads the switch point from the last line of a timeline history file', () => {
    expect(forkPoint('1\t0/3000060\tno recovery target specified\n')).toBe('0/3000060');
    expect(forkPoint('1\t0/3000060\tno recovery target specified\n\n2\t0/5A0001C8\tno recovery target specified\n')).toBe('0/5A0001C8');
  });

  it('fails on a file without a switch point', () => {
    expect(() => forkPoint('')).toThrow('no switch point in the timeline history: ""');
  });
});
