// In-browser search time on a generated site: opens it from file:// in
// Debian's chromium and times deja.search() for a few queries, first (loading
// the index files the query needs) and again (files already loaded).
//   node bench/site_search.mjs bench/out/site/deja-10000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');
const site = path.resolve(process.argv[2]);
const queries = ['gin_trgm_ops', 'trgm', 'connection refused', 'greenlet', 'timeout', 'migration rollback', 'permission denied'];

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'deja-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await context.newPage();
await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
await page.waitForFunction(() => window.deja && window.deja.search);
const rows = await page.evaluate(async (qs) => {
  const out = [];
  for (const q of qs) {
    let t = performance.now();
    const first = await window.deja.search(q);
    const cold = performance.now() - t;
    const times = [];
    for (let i = 0; i < 9; ++i) {
      t = performance.now();
      await window.deja.search(q);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out.push({ q, total: first.total, cold, warm: times[4] });
  }
  return out;
}, queries);
for (const r of rows) {
  console.log(`         search ${JSON.stringify(r.q).padEnd(22)} ${String(r.total).padStart(6)} hits  first ${r.cold.toFixed(1).padStart(7)} ms  again ${r.warm.toFixed(1).padStart(6)} ms`);
}
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
