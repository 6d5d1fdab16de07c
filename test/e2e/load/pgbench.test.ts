import { pgbenchBinary, processedTransactions } from '../../../e2e/load/pgbench';

describe('pgbench as load', () => {
  it("counts the transactions a round's report says were processed", () => {
    const report = [
      'transaction type: <builtin: TPC-B (sort of)>',
      'number of clients: 4',
      'duration: 5 s',
      'number of transactions actually processed: 1234',
      'number of failed transactions: 0 (0.000%)',
    ].join('\n');
    expect(processedTransactions(report)).toBe(1234);
  });

  it('counts nothing from a round that died before its report', () => {
    expect(processedTransactions('pgbench: error: connection to server at "10.211.0.7", port 5432 failed: Connection refused')).toBe(0);
  });

  it('fails naming where it looked when no PostgreSQL is installed', () => {
    expect(() => pgbenchBinary('/nonexistent')).toThrow('no pgbench under /nonexistent/*/bin (Debian: apt-get install postgresql-15)');
  });
});
