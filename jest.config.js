/**
 * Unit and construct tests. The e2e suites run separately on the real cluster (npm run e2e, npm run e2e:k8s): they need root.
 * The *.node24.test.ts suites need the agent's Node.js (node:zlib's zstd): `npm run test:node24` runs them
 * under it (jest.node24.config.js), so they are left out here.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.node24\\.test\\.ts$'],
};
