// deja site: the log matcher. The runbooks' signatures, translated from RE2
// to JavaScript at build time (search/signatures.js), run over a pasted log
// in the page; each runbook found is shown with the lines that matched, its
// params filled in from the log and the `deja run` command to copy.
'use strict';

(() => {
  const deja = (window.deja = window.deja || {});
  const root = document.documentElement.dataset.root || '';
  const MAX_LINE = 4096;
  let runbooks = null;

  deja.matcherData = (data) => {
    runbooks = [];
    for (const r of data) {
      const signatures = [];
      for (const s of r.signatures) {
        try {
          signatures.push({
            re: new RegExp(s.regex.source, s.regex.flags),
            after: s.after ? new RegExp(s.after.source, s.after.flags) : null,
            params: s.params,
            anchor: s.anchor,
          });
        } catch {
          // A browser without some syntax the translation uses: skip that signature.
        }
      }
      const clearedBy = [];
      for (const c of r.cleared_by || []) {
        try { clearedBy.push(new RegExp(c.source, c.flags)); } catch { /* as above */ }
      }
      const params = r.params.map((p) => {
        let pattern = null;
        if (p.pattern) {
          try { pattern = new RegExp('^(?:' + p.pattern.source + ')$', p.pattern.flags); } catch { pattern = null; }
        }
        return { ...p, pattern };
      });
      if (signatures.length) runbooks.push({ ...r, signatures, clearedBy, params });
    }
  };

  // What CI runners and loggers wrap around a message (see match/clean.hpp).
  const cleanLine = (raw) => {
    let line = raw;
    const cr = line.replace(/\r+$/, '').lastIndexOf('\r');
    if (cr >= 0) line = line.slice(cr + 1);
    line = line
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
      .replace(/\x1b[@-Z\\-_]/g, '')
      .replace(/\r/g, '');
    line = line.replace(/^[^\t]*\t[^\t]*\t(?=\d{4}-\d\d-\d\dT)/, '');
    line = line.replace(/^\uFEFF?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+/, '');
    line = line.replace(/^##\[(?:error|warning|notice|debug|group|endgroup|section|command)\]/, '');
    line = line.replace(/^::(?:error|warning|notice|debug)[^:]*::/, '');
    line = line.replace(/^[\w.-]+[-_]\d+\s+\|\s?/, '');
    line = line.replace(/^>\s?/, '');
    return line.trim();
  };
  deja.cleanLine = cleanLine;

  // What a page must not show of a param's value, as deja match hides it
  // (kb::hidden_parts): all of a secret's, and the password of a URL in any
  // other. A value with such a part reaches the command from the environment.
  const MASK = '••••••';
  const URL_PASSWORD = /([A-Za-z][A-Za-z0-9+.\-]*:\/\/[^/\s:@'"]*:)([^/\s'"]*)@/g;
  const hiddenParts = (value, secret) => {
    if (!value) return [];
    if (secret) return [value];
    return [...value.matchAll(URL_PASSWORD)].map((m) => m[2]).filter((p) => p);
  };
  const maskParts = (text, parts) =>
    [...parts].sort((a, b) => b.length - a.length).reduce((out, part) => out.split(part).join(MASK), text);

  const shellQuote = (value) => (/^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : "'" + value.replace(/'/g, "'\\''") + "'");
  deja.shellQuote = shellQuote;

  // The params one matching line gives: its signatures' fixed ones and named
  // groups, those the runbook accepts in `values`, the others in `rejected`.
  // A line can match several signatures of a runbook (a general one and one
  // that names the path): as in `deja match`, each param is taken from the
  // first of them that gives an acceptable value.
  const paramsOf = (runbook, hit) => {
    const values = {};
    const rejected = [];
    for (const h of [hit, ...hit.also]) {
      const candidates = { ...h.signature.params };
      for (const [k, v] of Object.entries(h.groups)) if (v !== undefined && v !== '') candidates[k] = v;
      for (const [k, v] of Object.entries(candidates)) {
        if (k in values) continue;
        const spec = runbook.params.find((p) => p.name === k);
        if (spec && ((spec.pattern && !spec.pattern.test(v)) || (spec.choices.length && !spec.choices.includes(v)))) {
          if (!rejected.some((r) => r.name === k)) rejected.push({ name: k, value: v });
        } else {
          values[k] = v;
        }
      }
    }
    return { values, rejected: rejected.filter((r) => !(r.name in values)) };
  };

  // As `deja match` does: a runbook found with different values for one
  // param (two extensions missing) is as many failures, each with its own
  // command. A line that sets no param goes with the line before it; past
  // MAX_PARAM_SETS groups, further values are one failure repeated with a
  // changing detail and are left out.
  const MAX_PARAM_SETS = 3;
  const splitByParams = (runbook, hits) => {
    const groups = [];
    const home = [];
    let last = -1;
    for (const hit of hits) {
      const { values } = paramsOf(runbook, hit);
      const entries = Object.entries(values);
      if (!entries.length) { home.push(last); continue; }
      let g = groups.findIndex((group) => entries.every(([k, v]) => !(k in group) || group[k] === v));
      if (g < 0) {
        if (groups.length === MAX_PARAM_SETS) { home.push(null); continue; }
        groups.push({});
        g = groups.length - 1;
      }
      for (const [k, v] of entries) if (!(k in groups[g])) groups[g][k] = v;
      home.push(last = g);
    }
    if (groups.length <= 1) return [hits];
    const split = groups.map(() => []);
    hits.forEach((hit, i) => { if (home[i] !== null) split[home[i] < 0 ? 0 : home[i]].push(hit); });
    return split;
  };

  const resultOf = (runbook, hits) => {
    const values = {};
    const rejected = [];
    for (const hit of hits) {
      const taken = paramsOf(runbook, hit);
      for (const [k, v] of Object.entries(taken.values)) if (!(k in values)) values[k] = v;
      for (const r of taken.rejected) if (!(r.name in values) && !rejected.some((x) => x.name === r.name)) rejected.push(r);
    }
    const names = runbook.params.map((p) => p.name).filter((n) => n in values);
    for (const k of Object.keys(values).sort()) if (!names.includes(k)) names.push(k);
    const secret = (name) => runbook.params.some((p) => p.name === name && p.secret);
    const hidden = [];
    let command = 'deja run ' + shellQuote(runbook.id);
    for (const name of names) {
      const parts = hiddenParts(values[name], secret(name));
      hidden.push(...parts);
      command += ' --param ' + (parts.length ? name + '="$' + name + '"' : shellQuote(name + '=' + values[name]));
    }
    for (const r of rejected) hidden.push(...hiddenParts(r.value, secret(r.name)));
    // Evidence, values and rejected values as the page shows them.
    const shown = (text) => maskParts(text, hidden);
    const missing = runbook.params.filter((p) => p.required && p.default === null && !(p.name in values));
    return { runbook, hits, values, names, command, missing, rejected: rejected.filter((r) => !(r.name in values)), secret, shown };
  };

  const captured = (hit) => Object.values(hit.groups).filter((v) => v !== undefined && v !== '').length;

  // Runbooks found in `text`, best first: causes before their symptoms (a
  // Job's backoff limit, Helm's atomic rollback), then most matching lines,
  // then earliest.
  // As `deja match` does, a signature with `after` counts only below a line
  // matching it, and a runbook whose failure a later line shows cleared (a
  // wait loop that got through) is not a result: `matchLog(text).cleared`
  // lists those, each with the line that cleared it.
  deja.matchLog = (text) => {
    if (!runbooks) return [];
    const lines = text.split('\n');
    const found = new Map();
    const afterSeen = new Set();  // signatures whose `after` line has passed
    const clearedAt = new Map();  // runbook id -> {line, text}
    for (let i = 0; i < lines.length; ++i) {
      let line = cleanLine(lines[i]);
      if (!line) continue;
      if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE);
      const opened = [];
      for (const r of runbooks) {
        for (const s of r.signatures) if (s.after && !afterSeen.has(s) && s.after.test(line)) opened.push(s);
        if (r.clearedBy.some((re) => re.test(line))) clearedAt.set(r.id, { line: i + 1, text: line });
        const matched = [];
        for (const s of r.signatures) {
          if (s.after && !afterSeen.has(s)) continue;
          const m = s.re.exec(line);
          if (m) matched.push({ start: m.index, end: m.index + m[0].length, groups: m.groups || {}, signature: s });
        }
        if (!matched.length) continue;
        // The signature that captures the most is shown and asked first, as
        // `deja match` weighs a capture into a hit's strength.
        matched.sort((a, b) => captured(b) - captured(a));
        if (!found.has(r.id)) found.set(r.id, { runbook: r, hits: [] });
        found.get(r.id).hits.push({ line: i + 1, text: line, ...matched[0], also: matched.slice(1) });
      }
      for (const s of opened) afterSeen.add(s);
    }
    const results = [];
    results.cleared = [];
    for (const { runbook, hits } of found.values()) {
      const clear = clearedAt.get(runbook.id);
      if (clear && clear.line > hits[hits.length - 1].line) {
        results.cleared.push({ runbook, hits, clear });
        continue;
      }
      for (const group of splitByParams(runbook, hits)) results.push(resultOf(runbook, group));
    }
    results.sort((a, b) => Number(Boolean(a.runbook.symptom)) - Number(Boolean(b.runbook.symptom)) ||
      b.hits.length - a.hits.length || a.hits[0].line - b.hits[0].line || (a.runbook.id < b.runbook.id ? -1 : 1));
    return results;
  };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const renderCleared = (container, cleared) => {
    for (const { runbook, hits, clear } of cleared) {
      const note = el('p', 'muted match-cleared');
      const link = el('a', null, runbook.title);
      link.href = root + runbook.href;
      note.append('Went away later: ', link, ' matched line ' + hits[hits.length - 1].line + ', then line ' + clear.line + ' shows it cleared (');
      note.append(el('code', null, clear.text.slice(0, 200)), ').');
      container.append(note);
    }
  };

  const renderResults = (container, results, lineCount) => {
    container.replaceChildren();
    if (!results.length) {
      container.append(el('p', 'match-none', 'No known failure in these ' + lineCount + ' lines. Try searching for the error message above.'));
      renderCleared(container, results.cleared || []);
      return;
    }
    const distinct = new Set(results.map((r) => r.runbook.id)).size;
    container.append(el('p', 'muted', results.length === 1 ? 'One runbook matches this log.'
      : distinct === results.length ? results.length + ' runbooks match this log, best first.'
      : results.length + ' failures match this log, best first; a runbook found with different params is listed once for each.'));
    const hasCause = results.some((r) => !r.runbook.symptom);
    for (const result of results) {
      const card = el('article', 'match-card');
      card.setAttribute('aria-label', 'Match: ' + result.runbook.title);
      const heading = el('h3');
      const link = el('a', null, result.runbook.title);
      link.href = root + result.runbook.href;
      heading.append(link);
      card.append(heading);
      if (result.runbook.symptom && hasCause) {
        card.classList.add('symptom');
        card.append(el('p', 'symptom-note', 'A consequence of the failure above: fix that one first.'));
      }
      card.append(el('p', 'muted summary', result.runbook.summary));

      const evidence = el('ul', 'match-evidence');
      evidence.setAttribute('aria-label', 'Matching lines');
      for (const hit of result.hits.slice(0, 5)) {
        const item = el('li');
        item.append(el('span', 'line-no', 'line ' + hit.line));
        item.append(result.shown(hit.text.slice(0, hit.start)));
        item.append(el('mark', null, result.shown(hit.text.slice(hit.start, hit.end))));
        item.append(result.shown(hit.text.slice(hit.end)));
        evidence.append(item);
      }
      card.append(evidence);
      if (result.hits.length > 5) card.append(el('p', 'muted', 'and ' + (result.hits.length - 5) + ' more lines'));

      if (result.names.length) {
        const table = el('table', 'match-params');
        const caption = el('caption', 'visually-hidden', 'Params found in the log');
        table.append(caption);
        const body = el('tbody');
        for (const name of result.names) {
          const row = el('tr');
          const th = el('th', null);
          th.scope = 'row';
          th.append(el('code', null, name));
          row.append(th);
          const td = el('td');
          td.append(el('code', 'param', result.secret(name) ? MASK + ' (secret, from your environment)' : result.shown(result.values[name])));
          row.append(td);
          body.append(row);
        }
        table.append(body);
        card.append(table);
      }
      for (const { name, value } of result.rejected) {
        const note = el('p', 'muted', 'Not taken from the log: ');
        note.append(el('code', null, name), ' = ', el('code', null, result.secret(name) ? MASK : result.shown(value).slice(0, 200)),
          ' is not a value this runbook accepts.');
        card.append(note);
      }
      if (result.missing.length) {
        const needs = el('p', 'muted', 'Also needs: ');
        result.missing.forEach((p, n) => {
          if (n) needs.append(', ');
          const name = el('code', null, p.name);
          if (p.description) name.title = p.description;
          needs.append(name);
        });
        needs.append(' (add it with --param NAME=value)');
        card.append(needs);
      }
      const block = el('div', 'code-block command');
      const pre = el('pre');
      pre.append(el('code', null, result.command));
      const button = el('button', 'copy', 'Copy');
      button.type = 'button';
      button.setAttribute('aria-label', 'Copy the deja run command');
      block.append(pre, button);
      deja.attachCopy(button, () => result.command);
      card.append(block);

      if (result.runbook.incidents.length) {
        const seen = el('p', 'muted', 'Seen before: ');
        result.runbook.incidents.forEach(([title, href, date], n) => {
          if (n) seen.append('; ');
          const a = el('a', null, title);
          a.href = root + href;
          seen.append(a);
          if (date) seen.append(' (' + date + ')');
        });
        if (result.runbook.incident_total > result.runbook.incidents.length) {
          seen.append(' and ' + (result.runbook.incident_total - result.runbook.incidents.length) + ' more');
        }
        card.append(seen);
      }
      container.append(card);
    }
    renderCleared(container, results.cleared || []);
  };

  const setup = () => {
    const form = document.getElementById('matcher-form');
    const input = document.getElementById('log-input');
    const output = document.getElementById('matcher-results');
    const file = document.getElementById('log-file');
    const clear = document.getElementById('log-clear');
    if (!form || !input || !output) return;
    const ready = deja.load('search/signatures.js');
    const run = async () => {
      await ready;
      const text = input.value;
      if (!text.trim()) { output.replaceChildren(); return; }
      renderResults(output, deja.matchLog(text), text.split('\n').length);
    };
    form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
    input.addEventListener('paste', () => setTimeout(run, 0));
    if (file) {
      file.addEventListener('change', () => {
        const chosen = file.files && file.files[0];
        if (!chosen) return;
        const reader = new FileReader();
        reader.onload = () => { input.value = String(reader.result); run(); };
        reader.readAsText(chosen);
      });
    }
    if (clear) clear.addEventListener('click', () => { input.value = ''; output.replaceChildren(); input.focus(); });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setup); else setup();
})();
