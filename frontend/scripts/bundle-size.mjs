#!/usr/bin/env node
// Per-chunk gzip sizes of dist/ and the initial load (what index.html pulls in before any lazy
// route: its scripts, modulepreloads and stylesheets). `make bench` prints this; the aim is an
// initial load under 250 kB gzip.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const BUDGET_KB = 250;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const kb = (bytes) => (bytes / 1024).toFixed(2).padStart(9);
const files = walk(dist)
  .filter((f) => /\.(js|css|html)$/.test(f))
  .map((path) => {
    const raw = readFileSync(path);
    return {
      name: relative(dist, path),
      raw: raw.length,
      gzip: gzipSync(raw, { level: 9 }).length,
    };
  })
  .sort((a, b) => b.gzip - a.gzip);

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initialNames = new Set(['index.html']);
for (const match of html.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g))
  initialNames.add(match[1]);

console.log(`${'file'.padEnd(48)} ${'raw kB'.padStart(9)} ${'gzip kB'.padStart(9)}  initial`);
for (const f of files) {
  console.log(
    `${f.name.padEnd(48)} ${kb(f.raw)} ${kb(f.gzip)}  ${initialNames.has(f.name) ? 'yes' : ''}`,
  );
}
const initial = files.filter((f) => initialNames.has(f.name)).reduce((sum, f) => sum + f.gzip, 0);
const total = files.reduce((sum, f) => sum + f.gzip, 0);
console.log(
  `initial load: ${kb(initial).trim()} kB gzip (budget ${BUDGET_KB} kB), all files: ${kb(total).trim()} kB gzip`,
);
console.log(
  JSON.stringify({
    bench: 'web_bundle',
    initial_gzip_bytes: initial,
    total_gzip_bytes: total,
    budget_kb: BUDGET_KB,
  }),
);
