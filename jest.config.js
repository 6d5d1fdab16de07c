/** Unit and construct tests. The e2e suites run separately on the real cluster (npm run e2e, npm run e2e:k8s): they need root. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
};
