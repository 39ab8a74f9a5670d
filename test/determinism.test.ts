// Workflow and machine code runs in Temporal's deterministic sandbox: no I/O, no Node builtins,
// no wall clock or randomness of its own. This reads the sources and names any offender.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';

const FORBIDDEN = [
  { rule: 'imports a Node builtin', re: /from ['"](node:)?(fs|path|os|http|https|net|crypto|child_process|timers|worker_threads)['"]/ },
  { rule: 'imports an I/O client', re: /from ['"](nats|pino|undici|fastify|@temporalio\/client|@temporalio\/worker)['"]/ },
  // activities/settlements.ts is plain data (the one translation of gateway statuses), checked below like workflow code.
  { rule: 'imports activity implementations', re: /import (?!type)[^;]*from ['"]\.\.\/activities\/(?!settlements\.js)/ },
  { rule: 'uses Math.random', re: /Math\.random/ },
  { rule: 'draws a random id', re: /\buuid4\(/ },
  { rule: 'reads a clock outside the sandbox', re: /performance\.now|process\.hrtime/ },
  { rule: 'runs XState actors or timers', re: /createActor|waitFor\(|setTimeout|setInterval/ },
];

const sources = [
  ...['workflows', 'machines'].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => join(d, f))),
  'activities/settlements.ts',
];

describe('deterministic workflow code', () => {
  it.each(sources)('%s has no I/O, builtins, randomness or actors', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const offences = FORBIDDEN.filter(({ re }) => re.test(text)).map(({ rule }) => rule);
    expect(offences).toEqual([]);
  });

  it('machines read no clock: time comes in on events', () => {
    for (const file of sources.filter((f) => f.startsWith('machines'))) {
      expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/Date\.now|new Date\(/);
    }
  });
});
