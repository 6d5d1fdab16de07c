/**
 * The suites of the agent's zstd paths (*.node24.test.ts): node:zlib has zstd from Node.js 22.15 only, the
 * agent runs on node:24-alpine, the test machine's Node.js is 20. `npm run test:node24` (test/node24.ts)
 * runs them under the agent image's Node.js binary; under any Node.js without zstd each suite fails at
 * its start (test/support/require-zstd.ts) instead of skipping.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.node24.test.ts'],
  setupFiles: ['<rootDir>/test/support/require-zstd.ts'],
};
