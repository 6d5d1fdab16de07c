/**
 * The cost of the upload path alone: `--gib` GiB of incompressible bytes through the agent's
 * MultipartWriter and S3Store into a real S3 server (versitygw on 127.0.0.1), no PostgreSQL, no tar, no
 * gzip. Prints each run's wall time and the CPU the agent's process and versitygw spent: what hashing and
 * signing cost per GiB, apart from everything else a base backup does (bench/base-backup.ts).
 *
 *   npx ts-node --transpile-only bench/s3-upload.ts [--gib 1] [--runs 3]
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MultipartWriter } from '../agent/backup/multipart-writer';
import { S3Server } from '../test/support/s3-server';
import { cpuSeconds, flag } from './process-figures';

const MIB = 1024 * 1024;

async function main(): Promise<void> {
  const mib = Math.round(flag('--gib', 1) * 1024);
  const runs = flag('--runs', 3);
  const s3 = await S3Server.start();
  try {
    await s3.createBucket('bench');
    const store = s3.client('bench');
    // One random MiB, copied per chunk as a reader would hand over fresh buffers.
    const block = randomBytes(MIB);
    for (let run = 1; run <= runs; run++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const storeCpu = cpuSeconds(s3.pid);
      let sent = 0;
      const source = Readable.from((function* () { while (sent++ < mib) yield Buffer.from(block); })());
      await pipeline(source, new MultipartWriter(store, `upload-${run}`));
      const seconds = (performance.now() - started) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      console.log(
        `run ${run}: ${mib} MiB in ${seconds.toFixed(2)} s = ${(mib / seconds).toFixed(1)} MiB/s, ` +
          `agent CPU ${((user + system) / 1e6).toFixed(2)} s, versitygw CPU ${(cpuSeconds(s3.pid) - storeCpu).toFixed(2)} s ` +
          `(load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
      );
      await store.delete(`upload-${run}`);
    }
  } finally {
    await s3.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
