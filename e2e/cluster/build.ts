/**
 * Builds (or finds in the cache) everything the real cluster runs: `npm run cluster:build [-- 15,17,18]`.
 * cluster:up does this itself; this entry point is for warming a machine's cache.
 */
import { ensureBuilt } from './artifacts';
import { POSTGRES_IMAGES } from './plan';
import { say } from './progress';

const majors = (process.argv[2] ?? Object.keys(POSTGRES_IMAGES).join(',')).split(',').filter(Boolean);
ensureBuilt(majors).then(
  (built) => say(`ready: ${built.kubeBin}, ${built.etcd}, ${built.images.length} images`),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
