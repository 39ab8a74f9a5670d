// The repository root, from source (`tsx`) and from the compiled tree (`dist/`) alike: the nearest
// folder above this file that holds package.json. DATA_DIR and .tools/ are found from it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** `.ts` when running from source, `.js` from dist/: for paths to sibling modules (workflows, entry points). */
export const SOURCE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
