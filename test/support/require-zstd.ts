// Set up before each *.node24.test.ts suite (jest.node24.config.js): they test the agent's zstd paths,
// which need node:zlib's zstd. A Node.js without it fails the suite here, saying how to run it, rather
// than each test failing obscurely or being skipped.
import { Zstd } from '../../agent/backup/compression';

if (!new Zstd().available) {
  throw new Error(
    `the *.node24.test.ts suites test the agent's zstd and need node:zlib's zstd (Node.js 22.15 or later, as the agent's node:24-alpine), ` +
      `but run under Node.js ${process.version}: run them with \`npm run test:node24\`, which runs jest under the agent image's Node.js`,
  );
}
