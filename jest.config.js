/** Unit and construct tests. The e2e suite runs separately (npm run e2e): it needs root and PostgreSQL. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
};
