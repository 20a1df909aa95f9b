// Peak memory of a node process without /usr/bin/time: preload this module
//   FORGE_BENCH_RSS_FILE=/tmp/x node --import ./bench/measure.mjs bin/run.js sync pull --all
// and it writes the process's own peak RSS (KiB, getrusage ru_maxrss) to that file on exit.
// (A wrapper that spawns the command cannot do it from node: process.resourceUsage() is
// RUSAGE_SELF, never RUSAGE_CHILDREN.) Git processes forge spawns are not counted here, whereas
// `/usr/bin/time -f %M` reports the largest of the process and its children.
import { writeFileSync } from 'node:fs';

const file = process.env.FORGE_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      /* measurement only */
    }
  });
}
