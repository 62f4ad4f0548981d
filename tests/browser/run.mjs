// Browser tests of the generated site, in Debian's chromium driven headless
// through playwright-core. Builds the site from the bundled knowledge base
// plus tests/fixtures/site/kb (which holds a report full of hostile HTML),
// then checks it from file:// and from a local HTTP server.
//
//   node tests/browser/run.mjs --deja build/engine/deja --out /tmp/deja-browser
//
// Screenshots are kept in tests/browser/artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const artifacts = path.join(here, 'artifacts');

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
};
const dejaBinary = path.resolve(option('--deja', path.join(repo, 'build', 'engine', 'deja')));
const outDir = path.resolve(option('--out', path.join(repo, 'build', 'browser-tests')));
const chromiumPath = option('--chromium', '/usr/bin/chromium');

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error('deja browser tests: playwright-core is not installed; run scripts/setup.sh (npm ci in tests/browser)');
  process.exit(1);
}

// A real failure as CI prints it: GitHub Actions timestamps, colour codes,
// and the error line from an incident report.
const ciLog = [
  '2025-10-29T09:14:02.1184Z ##[group]Run alembic upgrade head',
  '2025-10-29T09:14:03.5521Z \x1b[32mINFO\x1b[0m  [alembic.runtime.migration] Context impl PostgresqlImpl.',
  '2025-10-29T09:14:03.5530Z \x1b[32mINFO\x1b[0m  [alembic.runtime.migration] Running upgrade 3c1d -> 1f73, service search index',
  '2025-10-29T09:14:03.9012Z Traceback (most recent call last):',
  '2025-10-29T09:14:03.9190Z \x1b[31mpsycopg.errors.UndefinedObject: operator class "gin_trgm_ops" does not exist for access method "gin"\x1b[0m',
  '2025-10-29T09:14:03.9191Z [SQL: CREATE INDEX idx_services_name_trgm ON services USING gin (name gin_trgm_ops)]',
  '2025-10-29T09:14:04.0020Z ##[error]Process completed with exit code 1.',
].join('\n');

let server;
let context;
let httpRoot;
const fileRoot = () => pathToFileURL(path.join(outDir, 'site')).href + '/';

const contentTypes = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.xml': 'application/xml' };

function startServer(root) {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://127.0.0.1');
      let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
      if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const found = fs.existsSync(file);
      const body = fs.readFileSync(found ? file : path.join(root, '404.html'));
      res.writeHead(found ? 200 : 404, { 'content-type': contentTypes[found ? path.extname(file) : '.html'] || 'application/octet-stream' });
      res.end(body);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

// A page that records what should never happen: errors, dialogs, requests
// leaving this machine, console errors (CSP violations land there).
async function openPage(url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('dialog', async (d) => { problems.push('dialog: ' + d.message()); await d.dismiss(); });
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('file://') && !u.startsWith(httpRoot)) problems.push('network: ' + u);
  });
  await page.goto(url);
  return { page, problems };
}

// Pastes `log` into the home page's log box and asks for known failures.
async function pasteLog(page, log) {
  await page.locator('#log-input').fill(log);
  await page.getByRole('button', { name: 'Find known failures' }).click();
}

async function search(page, query) {
  const input = page.locator('#search-input');
  await input.fill(query);
  const results = page.locator('#search-results li a');
  await results.first().waitFor({ timeout: 10000 });
  return results;
}

// deja on the site's knowledge base, with this run's own cache and state.
function runDeja(args, input) {
  return spawnSync(dejaBinary, ['--kb', path.join(repo, 'tests', 'fixtures', 'site', 'kb'), ...args], {
    env: { ...process.env, DEJA_CACHE_DIR: path.join(outDir, 'cache'), DEJA_STATE_DIR: path.join(outDir, 'state'), DEJA_KB: '' },
    input,
    encoding: 'utf8',
  });
}

// The commands `deja match` gives for a log, as the page writes them: with
// no --kb, since the site is the knowledge base it shows.
function cliCommands(log) {
  const cli = runDeja(['match', '--json', '-'], log);
  assert.equal(cli.status, 0, cli.stderr);
  return JSON.parse(cli.stdout).matches.map((m) => m.command.replace(/^deja --kb \S+ /, 'deja '));
}

before(async () => {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const built = runDeja(['site', 'build', '-o', path.join(outDir, 'site')]);
  assert.equal(built.status, 0, 'deja site build failed: ' + built.stderr);
  server = await startServer(path.join(outDir, 'site'));
  httpRoot = `http://127.0.0.1:${server.address().port}/`;
  context = await chromium.launchPersistentContext(path.join(outDir, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: httpRoot.slice(0, -1) });
});

after(async () => {
  if (context) await context.close();
  if (server) server.close();
});

for (const origin of ['file', 'http']) {
  const base = () => (origin === 'file' ? fileRoot() : httpRoot);

  describe(`the site over ${origin}`, () => {
    test('the home page loads cleanly, and / focuses search', async () => {
      const { page, problems } = await openPage(base() + 'index.html');
      assert.equal(await page.locator('h1').textContent(), 'Seen this failure before?');
      await page.locator('body').click({ position: { x: 5, y: 300 } });
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('searching gin_trgm_ops lands on pg-extension-missing, words highlighted', async () => {
      const { page, problems } = await openPage(base() + 'index.html');
      const results = await search(page, 'gin_trgm_ops');
      assert.match(await results.first().getAttribute('href'), /runbooks\/pg-extension-missing\.html\?q=gin_trgm_ops$/);
      assert.ok((await page.locator('#search-results mark').count()) > 0, 'no highlighted words in the results');
      await results.first().click();
      await page.waitForURL(/pg-extension-missing\.html/);
      assert.equal(await page.locator('h1').textContent(), 'Enable a missing PostgreSQL extension');
      assert.ok((await page.locator('main mark').count()) > 0, 'the searched word is not highlighted on the page');
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('an identifier is found by part too', async () => {
      const { page, problems } = await openPage(base() + 'runbooks/index.html');
      const results = await search(page, 'trgm');
      const hrefs = await results.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.some((h) => h.includes('runbooks/pg-extension-missing.html')), hrefs.join(' '));
      // A run of its parts, which is not a word of its own in the index.
      const again = await openPage(base() + 'runbooks/index.html');
      const run = await search(again.page, 'trgm_ops');
      const runHrefs = await run.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.ok(runHrefs.slice(0, 3).some((h) => h.includes('runbooks/pg-extension-missing.html')), runHrefs.join(' '));
      assert.deepEqual(problems, []);
      assert.deepEqual(again.problems, []);
      await page.close();
      await again.page.close();
    });

    test('searching greenlet lands on sqlalchemy-missing-greenlet', async () => {
      const { page, problems } = await openPage(base() + 'incidents/index.html');
      const results = await search(page, 'greenlet');
      assert.match(await results.first().getAttribute('href'), /runbooks\/sqlalchemy-missing-greenlet\.html/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('a pasted error line with a local table name, or a question, still finds the runbook', async () => {
      const { page, problems } = await openPage(base() + 'index.html');
      // acme_invoices is in no page: the rest of the line finds the error.
      const results = await search(page, 'ERROR: relation "acme_invoices" does not exist');
      assert.match(await results.first().getAttribute('href'), /runbooks\/pg-relation-missing\.html/);
      assert.match(await page.locator('#search-results .search-status').textContent(), /with some of the words/);
      // No page has every word: the rare ones together come first, before
      // pages that only have more of the common ones.
      const again = await openPage(base() + 'index.html');
      const question = await search(again.page, 'how to fix compressed hypertable drop column');
      const hrefs = await question.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      assert.match(hrefs[0], /timescaledb-compressed-hypertable-ddl\.html/, hrefs.join(' '));
      // A question's own words ("how", "do", "fix") go first, however rare.
      const asked = await openPage(base() + 'index.html');
      const how = await search(asked.page, 'how do I fix permission denied on entrypoint');
      assert.match(await how.first().getAttribute('href'), /runbooks\/script-not-executable\.html/);
      // A question about one word: its words go all at once, and the word
      // it is about is enough.
      const about = await openPage(base() + 'index.html');
      const one = await search(about.page, 'how to fix greenlet');
      assert.match(await one.first().getAttribute('href'), /runbooks\/sqlalchemy-missing-greenlet\.html/);
      // With every word in fewer pages than shown, the pages with every
      // word but the question's follow them.
      const fixed = await openPage(base() + 'index.html');
      const fixWords = await search(fixed.page, 'fix greenlet');
      const fixHrefs = await fixWords.evaluateAll((links) => links.map((a) => a.getAttribute('href').split('?')[0]));
      // As `deja search` does: each page it finds is listed here too.
      const cli = runDeja(['search', '--json', 'fix greenlet']);
      assert.equal(cli.status, 0, cli.stderr);
      const cliHrefs = JSON.parse(cli.stdout).hits.map((h) => h.kind + 's/' + h.id + '.html');
      assert.ok(cliHrefs.length >= 3, cli.stdout);
      for (const href of cliHrefs) assert.ok(fixHrefs.includes(href), href + ' not in ' + fixHrefs.join(' '));
      for (const opened of [about, fixed]) {
        assert.deepEqual(opened.problems, []);
        await opened.page.close();
      }
      assert.deepEqual(asked.problems, []);
      await asked.page.close();
      assert.deepEqual(problems, []);
      assert.deepEqual(again.problems, []);
      await page.close();
      await again.page.close();
    });

    test('a pasted CI log shows the runbook with its params and command', async () => {
      const { page, problems } = await openPage(base() + 'index.html');
      await pasteLog(page, ciLog);
      const card = page.locator('.match-card').first();
      await card.waitFor({ timeout: 10000 });
      assert.equal(await card.locator('h3 a').textContent(), 'Enable a missing PostgreSQL extension');
      assert.match(await card.locator('h3 a').getAttribute('href'), /runbooks\/pg-extension-missing\.html$/);
      assert.match(await card.locator('.match-evidence').textContent(), /line 5.*operator class "gin_trgm_ops" does not exist/);
      assert.equal(await card.locator('.match-params td').first().textContent(), 'pg_trgm');
      assert.equal(await card.locator('.command code').textContent(), 'deja run pg-extension-missing --param EXTENSION=pg_trgm');
      assert.match(await card.textContent(), /Also needs: DATABASE_URL/);
      if (origin === 'http') {
        await card.locator('.copy').click();
        await card.locator('.copy', { hasText: 'Copied' }).waitFor({ timeout: 5000 });
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'deja run pg-extension-missing --param EXTENSION=pg_trgm');
      }
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('a password in a URL taken from the log is hidden, and the command reads it from the environment', async () => {
      const secretLog = [
        'Waiting for the API to become healthy',
        'Timed out waiting for: https://admin:hunter2-Sekr3t@api.internal:8443/healthz',
      ].join('\n');
      const { page, problems } = await openPage(base() + 'index.html');
      await pasteLog(page, secretLog);
      const card = page.locator('.match-card').first();
      await card.waitFor({ timeout: 10000 });
      const commands = await page.locator('.match-card .command code').allTextContents();
      assert.deepEqual(commands, cliCommands(secretLog));
      assert.equal(commands[0], 'deja run http-healthcheck-timeout --param URL="$URL"');
      assert.equal(await card.locator('.match-params td').first().textContent(), 'https://admin:••••••@api.internal:8443/healthz');
      assert.match(await card.locator('.match-evidence').textContent(), /https:\/\/admin:••••••@api\.internal/);
      assert.doesNotMatch(await page.locator('#matcher-results').textContent(), /hunter2/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('one runbook found with two params is two results, as deja match gives them', async () => {
      const twoLog = [
        'psycopg.errors.UndefinedObject: operator class "gin_trgm_ops" does not exist for access method "gin"',
        '[SQL: CREATE INDEX idx_services_name_trgm ON services USING gin (name gin_trgm_ops)]',
        'psycopg.errors.UndefinedFunction: function uuid_generate_v4() does not exist',
        'LINE 1: ...id uuid PRIMARY KEY DEFAULT uuid_generate_v4()',
      ].join('\n');
      const { page, problems } = await openPage(base() + 'index.html');
      await pasteLog(page, twoLog);
      await page.locator('.match-card').first().waitFor({ timeout: 10000 });
      const commands = await page.locator('.match-card .command code').allTextContents();
      assert.deepEqual([...commands].sort(), [...cliCommands(twoLog)].sort());
      assert.deepEqual([...commands].sort(), [
        'deja run pg-extension-missing --param EXTENSION=pg_trgm',
        'deja run pg-extension-missing --param EXTENSION=uuid-ossp',
      ]);
      assert.match(await page.locator('#matcher-results > p.muted').first().textContent(), /2 failures match this log/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('the cause comes before its symptoms, in the order deja match gives', async () => {
      // The Job's backoff limit is reported first and more often than the
      // migration error that caused it.
      const rolloutLog = [
        '$ kubectl describe job migrate',
        '  Warning  BackoffLimitExceeded  2m  job-controller  Job has reached the specified backoff limit',
        '  Warning  BackoffLimitExceeded  1m  job-controller  Job has reached the specified backoff limit',
        '$ kubectl logs job/migrate',
        'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedObject) operator class "gin_trgm_ops" does not exist for access method "gin"',
        'Error: UPGRADE FAILED: release api failed, and has been rolled back due to atomic being set: job failed: BackoffLimitExceeded',
      ].join('\n');
      const { page, problems } = await openPage(base() + 'index.html');
      await pasteLog(page, rolloutLog);
      await page.locator('.match-card').first().waitFor({ timeout: 10000 });
      const shown = await page.locator('.match-card .command code').allTextContents();
      assert.deepEqual(shown, cliCommands(rolloutLog));
      assert.match(shown[0], /^deja run pg-extension-missing /);
      const cards = page.locator('.match-card');
      assert.equal(await cards.nth(0).locator('.symptom-note').count(), 0);
      for (const n of [1, 2]) assert.match(await cards.nth(n).locator('.symptom-note').textContent(), /consequence of the failure above/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('a pasted wait loop that got through is not a match, and says why', async () => {
      const { page, problems } = await openPage(base() + 'index.html');
      const waitLog = fs.readFileSync(path.join(repo, 'tests', 'fixtures', 'passing', 'wait-for-postgres.log'), 'utf8');
      await pasteLog(page, waitLog);
      const note = page.locator('.match-cleared').first();
      await note.waitFor({ timeout: 10000 });
      assert.equal(await page.locator('.match-card').count(), 0);
      assert.match(await page.locator('.match-none').textContent(), /No known failure/);
      assert.match(await note.textContent(), /Nothing accepts connections.*line 53 shows it cleared.*accepting connections/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('incident -> runbook -> incident', async () => {
      const { page, problems } = await openPage(base() + 'incidents/2025-10-29-missing-pg-extensions.html');
      await page.locator('#runbooks a[href$="runbooks/pg-extension-missing.html"], .callout a[href$="runbooks/pg-extension-missing.html"]').first().click();
      await page.waitForURL(/runbooks\/pg-extension-missing\.html$/);
      assert.equal(await page.locator('h1').textContent(), 'Enable a missing PostgreSQL extension');
      await page.locator('#incidents ~ ul a[href$="incidents/2025-10-29-missing-pg-extensions.html"]').first().click();
      await page.waitForURL(/incidents\/2025-10-29-missing-pg-extensions\.html$/);
      assert.match(await page.locator('h1').textContent(), /Integration tests blocked/);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('a report with <script> and onerror runs nothing', async () => {
      const { page, problems } = await openPage(base() + 'incidents/2025-05-20-hostile-report.html');
      await page.waitForLoadState('load');
      await page.getByText('click me').click();
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.ok(!(await page.title()).includes('pwned'), await page.title());
      assert.match(await page.locator('h1').textContent(), /Report with <b>markup<\/b> & "quotes"/);
      assert.equal(await page.locator('main script, main iframe, main img').count(), 0);
      assert.deepEqual(problems, []);
      await page.close();
    });

    test('a step has a working copy button', async () => {
      const { page, problems } = await openPage(base() + 'runbooks/pg-extension-missing.html');
      const step = page.locator('#step-enable');
      assert.match(await step.locator('.badge').textContent(), /Apply/);
      await step.locator('.copy').click();
      // The clipboard write is asynchronous; the label changes when it settles.
      await step.locator('.copy', { hasText: /Copied|Select and copy/ }).waitFor({ timeout: 5000 });
      if (origin === 'http') {
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'CREATE EXTENSION IF NOT EXISTS :"EXTENSION";');
      }
      assert.deepEqual(problems, []);
      await page.close();
    });
  });
}

// The page's matcher runs the same signatures translated to JavaScript: it
// must agree with `deja match` on what deja lint holds the CLI to.
test('the page finds every runbook example with its params, and nothing in passing runs or other failures', async () => {
  const deja = (...args) => {
    const run = runDeja(args);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  const examples = [];
  for (const { id } of deja('list', 'runbooks', '--json')) {
    for (const e of deja('show', id, '--json').examples) examples.push({ runbook: id, text: e.text, params: e.params });
  }
  assert.ok(examples.length > 100, `${examples.length} examples`);
  const logs = [];
  for (const dir of ['passing', 'unrelated']) {
    const folder = path.join(repo, 'tests', 'fixtures', dir);
    for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.log')).sort()) {
      logs.push({ name: `${dir}/${name}`, text: fs.readFileSync(path.join(folder, name), 'utf8') });
    }
  }
  assert.ok(logs.length > 30, `${logs.length} logs`);

  const { page, problems } = await openPage(fileRoot() + 'index.html');
  await page.waitForFunction(() => window.deja && window.deja.matchLog('FATAL:  sorry, too many clients already').length > 0);
  const found = await page.evaluate(({ examples, logs }) => ({
    examples: examples.map((e) => {
      const top = window.deja.matchLog(e.text)[0];
      return top ? { runbook: top.runbook.id, params: Object.fromEntries(Object.keys(e.params).map((k) => [k, top.values[k]])) } : null;
    }),
    logs: logs.map((l) => window.deja.matchLog(l.text).map((r) => `${r.runbook.id} (line ${r.hits[0].line})`)),
  }), { examples, logs });
  const wrong = [];
  examples.forEach((e, i) => {
    const want = { runbook: e.runbook, params: e.params };
    if (JSON.stringify(found.examples[i]) !== JSON.stringify(want)) wrong.push(`${JSON.stringify(e.text)}: ${JSON.stringify(found.examples[i])}, not ${JSON.stringify(want)}`);
  });
  logs.forEach((l, i) => { if (found.logs[i].length) wrong.push(`${l.name}: ${found.logs[i].join(', ')}`); });
  assert.deepEqual(wrong, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a missing page gets the 404 page over HTTP', async () => {
  const { page } = await openPage(httpRoot + 'runbooks/no-such-runbook.html');
  assert.equal(await page.locator('h1').textContent(), 'This page does not exist');
  await page.close();
});

test('screenshots of the home page and a runbook, light and dark, desktop and phone', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, problems } = await openPage(fileRoot() + 'index.html');
    await page.emulateMedia({ colorScheme: scheme });
    await pasteLog(page, ciLog);
    await page.locator('.match-card').first().waitFor();
    await page.screenshot({ path: path.join(artifacts, `home-${scheme}.png`), fullPage: true });
    await page.locator('#search-input').fill('gin_trgm_ops');
    await page.locator('#search-results li a').first().waitFor();
    await page.screenshot({ path: path.join(artifacts, `search-${scheme}.png`) });
    await page.goto(fileRoot() + 'runbooks/pg-extension-missing.html');
    await page.screenshot({ path: path.join(artifacts, `runbook-${scheme}.png`) });
    await page.locator('#step-enabled').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, `runbook-steps-${scheme}.png`) });
    await page.goto(fileRoot() + 'incidents/2025-10-29-missing-pg-extensions.html');
    await page.screenshot({ path: path.join(artifacts, `incident-${scheme}.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(fileRoot() + 'runbooks/pg-extension-missing.html');
    await page.screenshot({ path: path.join(artifacts, `runbook-phone-${scheme}.png`) });
    assert.deepEqual(problems, []);
    await page.close();
  }
  for (const name of ['home-light.png', 'runbook-light.png', 'home-dark.png', 'runbook-dark.png']) {
    assert.ok(fs.statSync(path.join(artifacts, name)).size > 10000, name);
  }
});
