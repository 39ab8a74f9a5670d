// `npm run chaos [-- --n 500 --seed 7]`: the bounded chaos run of chaos/run.ts on loopback: fresh
// servers, N payments of all four products under the sandbox's faults while the worker is killed
// with SIGKILL, the Temporal server restarts and NATS is down for 65 s; then every payment must be
// final, never lost, paid once, never refunded past its amount, with its events exactly once and in
// sequence, and the view, the gateway and the events agreeing. Prints the table, writes
// chaos/results/latest.json, exits 0 only when every count is 0 (1 otherwise, 2 for a bad option).
import { formatReport } from '../chaos/report.js';
import { OptionError, optionsFrom } from '../chaos/options.js';
import { runChaos, stopActiveRuns } from '../chaos/run.js';

let options;
try {
  options = optionsFrom(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof OptionError)) throw err;
  console.error(err.message);
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the chaos run's servers`);
    void stopActiveRuns().finally(() => process.exit(130));
  });
}

const result = await runChaos(options);
console.log(formatReport(result));
if (options.resultsFile) console.log(`record written to ${options.resultsFile}`);
process.exit(result.ok ? 0 : 1);
