// @vitest-environment node
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'schema-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('src/api/schema.d.ts is generated from the current openapi.json (run `make client`)', () => {
  const out = join(tmp, 'schema.d.ts');
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/openapi-typescript/bin/cli.js'),
      join(root, 'openapi.json'),
      '-o',
      out,
    ],
    { stdio: 'pipe' },
  );
  const committed = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8');
  expect(
    readFileSync(out, 'utf8') === committed,
    'schema.d.ts is stale: run `npm run gen:api`',
  ).toBe(true);
});
