// deja site: search (index files loaded with <script>, so it works from
// file://), copy buttons, "/" to search, and highlighting of the searched
// words on the page a result opens. Text from the knowledge base is only ever
// inserted as text nodes, never as HTML.
'use strict';

(() => {
  const root = document.documentElement.dataset.root || '';
  const deja = (window.deja = window.deja || {});

  // ---------- loading generated data files ----------
  const scripts = new Map();
  deja.load = (path) => {
    if (!scripts.has(path)) {
      scripts.set(path, new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = root + path;
        script.onload = () => resolve();
        script.onerror = () => reject(new Error('cannot load ' + path));
        document.head.appendChild(script);
      }));
    }
    return scripts.get(path);
  };

  // ---------- tokens: the same rules as engine/site/search_index.cpp ----------
  const state = { meta: null, shards: new Map(), docs: new Map(), stop: new Set(), filler: new Set() };
  deja.searchMeta = (meta) => {
    state.meta = meta;
    state.stop = new Set(meta.stop);
    state.filler = new Set(meta.filler);
  };
  deja.searchShard = (key, words, lists) => {
    state.shards.set(key, { words: words ? words.split(' ') : [], lists: lists ? lists.split(' ') : [] });
  };
  deja.searchDocs = (block, rows) => { state.docs.set(block, rows); };

  const isWordCodePoint = (cp) => {
    if (cp < 0x80) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
    if (cp === 0xfffd || cp <= 0xbf || cp === 0xd7 || cp === 0xf7) return false;
    if (cp >= 0x2000 && cp <= 0x2bff) return false;
    if (cp >= 0x3000 && cp <= 0x303f) return false;
    if (cp >= 0xfe00 && cp <= 0xfe0f) return false;
    if (cp >= 0xff00 && cp <= 0xff0f) return false;
    if (cp >= 0x1f000 && cp <= 0x1faff) return false;
    return true;
  };
  const asciiLower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const acceptable = (t) => {
    if ([...t].length < 2 || new TextEncoder().encode(t).length > 48 || state.stop.has(t)) return false;
    if (/^[0-9]+$/.test(t)) return t.length <= 6;
    if (t.length >= 12 && /^[0-9a-f]+$/.test(t) && /[0-9]/.test(t)) return false;
    return true;
  };
  // Identifier parts, as the index splits them: at '_' and at case humps
  // (UndefinedObject -> Undefined, Object; HTTPServer -> HTTP, Server).
  const isLower = (c) => c >= 'a' && c <= 'z';
  const isUpper = (c) => c >= 'A' && c <= 'Z';
  const identifierParts = (word) => {
    const parts = [];
    for (const piece of word.split('_')) {
      let start = 0;
      for (let i = 1; i < piece.length; ++i) {
        const hump = (isLower(piece[i - 1]) && isUpper(piece[i])) ||
          (isUpper(piece[i - 1]) && isUpper(piece[i]) && i + 1 < piece.length && isLower(piece[i + 1]));
        if (hump) { parts.push(piece.slice(start, i)); start = i; }
      }
      parts.push(piece.slice(start));
    }
    return parts;
  };
  // The query's words, each with the parts it is also found by when it is a
  // run of an identifier's parts that is not indexed whole ("trgm_ops" of
  // gin_trgm_ops).
  const queryWords = (text) => {
    const out = [];
    let word = '';
    const flush = () => {
      if (word) {
        const t = asciiLower(word);
        if (acceptable(t) && !out.some((w) => w.term === t)) {
          const parts = [...new Set(identifierParts(word).map(asciiLower))].filter((p) => p !== t && acceptable(p));
          out.push({ term: t, parts: parts.length > 1 ? parts : [] });
        }
      }
      word = '';
    };
    for (const ch of text) {
      if (isWordCodePoint(ch.codePointAt(0))) word += ch; else flush();
    }
    flush();
    return out;
  };
  const queryTokens = (text) => queryWords(text).map((w) => w.term);
  deja.queryTokens = queryTokens;

  // ---------- postings ----------
  const FINAL = '0123456789abcdefghijklmnopqrstuv';
  const MORE = 'wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#';
  const decode = (list) => {
    const out = [];
    let value = 0;
    let doc = 0;
    for (const ch of list) {
      const f = FINAL.indexOf(ch);
      if (f < 0) { value = value * 32 + MORE.indexOf(ch); continue; }
      value = value * 32 + f;
      doc += Math.floor(value / 4);
      out.push(doc, value % 4);
      value = 0;
    }
    return out;
  };
  const FIELD_WEIGHT = [0.6, 1, 2.5, 4];
  const PREFIX_LIMIT = 64;
  const shardKey = (t) => (/^[a-z0-9_]/.test(t) ? t[0] : 'other');
  const lowerBound = (words, t) => {
    let lo = 0, hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  };

  // Scores of the documents holding `term`, whole or as the start of an
  // indexed word; title hits outrank error lines, which outrank the body.
  const termScores = (term, N) => {
    const scores = new Map();
    const shard = state.shards.get(shardKey(term));
    if (!shard) return scores;
    let i = lowerBound(shard.words, term);
    for (let n = 0; i < shard.words.length && n < PREFIX_LIMIT && shard.words[i].startsWith(term); ++i, ++n) {
      const exact = shard.words[i] === term;
      const postings = decode(shard.lists[i]);
      const df = postings.length / 2;
      const idf = Math.log(1 + N / df);
      for (let p = 0; p < postings.length; p += 2) {
        const s = FIELD_WEIGHT[postings[p + 1]] * (exact ? 1 : 0.55) * idf;
        const doc = postings[p];
        if (!(scores.get(doc) >= s)) scores.set(doc, s);
      }
    }
    return scores;
  };
  const intersect = (a, b) => {
    const out = new Map();
    for (const [doc, s] of b) if (a.has(doc)) out.set(doc, a.get(doc) + s);
    return out;
  };

  // Every word's documents together, scores added.
  const everyWord = (maps) => {
    let combined = null;
    for (const scores of maps) {
      combined = combined === null ? scores : intersect(combined, scores);
      if (!combined.size) break;
    }
    return combined || new Map();
  };

  // Ranked documents for a query: every word must match, whole or, for a
  // run of identifier parts, by all of its parts (scored lower). A
  // question's own words (search/meta.js lists them: "how", "fix") are
  // optional: when fewer than `limit` pages have every word, the pages with
  // every other word follow. When no page has every word, as `deja search`
  // does: the words that occur somewhere (a pasted error line names local
  // tables); then the rarest of them together, ranked first: a question's
  // words left out all at once, then the most common one at a time (down to
  // two, or to the one word a question is about); and after them the pages
  // with any of them (`partial` is then true).
  deja.search = async (query, limit = 20) => {
    await deja.load('search/meta.js');
    const words = queryWords(query);
    const terms = words.map((w) => w.term);
    if (!terms.length) return { terms, total: 0, results: [], partial: false };
    const wanted = words.flatMap((w) => [w.term, ...w.parts]);
    const keys = [...new Set(wanted.map(shardKey))].filter((k) => state.meta.shards.includes(k));
    await Promise.all(keys.map((k) => deja.load('search/t-' + k + '.js')));
    const N = state.meta.docs;
    const perWord = words.map((word) => {
      const scores = termScores(word.term, N);
      if (word.parts.length) {
        let byParts = null;
        for (const part of word.parts) {
          const partScores = termScores(part, N);
          byParts = byParts === null ? partScores : intersect(byParts, partScores);
          if (!byParts.size) break;
        }
        for (const [doc, s] of byParts) {
          const weighed = 0.5 * s / word.parts.length;
          if (!(scores.get(doc) >= weighed)) scores.set(doc, weighed);
        }
      }
      return scores;
    });
    // Pages of a lower tier rank below every page of a higher one.
    const byScore = (a, b) => b[1] - a[1] || a[0] - b[0];
    const tiered = (upper, lower) => [...upper.entries()].sort(byScore)
      .concat([...lower.entries()].filter(([doc]) => !upper.has(doc)).sort(byScore));
    const isFiller = (word) => state.filler.has(word.term);
    let combined = everyWord(perWord);
    let ranked = null;
    let partial = false;
    const topical = perWord.filter((_, i) => !isFiller(words[i]));
    if (combined.size && combined.size < limit && topical.length && topical.length < perWord.length) {
      ranked = tiered(combined, everyWord(topical));
    }
    const presentWords = words.filter((_, i) => perWord[i].size);
    const present = perWord.filter((scores) => scores.size);
    if (!combined.size && present.length < perWord.length) {
      combined = everyWord(present);
      partial = combined.size > 0;
    }
    if (!combined.size && present.length > 1) {
      const filler = (i) => (isFiller(presentWords[i]) ? 1 : 0);
      const byCount = present.map((_, i) => i)
        .sort((a, b) => filler(b) - filler(a) || present[b].size - present[a].size || a - b);
      const fillers = byCount.filter((i) => filler(i)).length;
      const left = new Set();
      let rarest = new Map();
      let k = 0;
      if (fillers > 0 && fillers < present.length) {
        for (; k < fillers; ++k) left.add(byCount[k]);
        rarest = everyWord(present.filter((_, i) => !left.has(i)));
      }
      for (; present.length - k > 2 && !rarest.size; ++k) {
        left.add(byCount[k]);
        rarest = everyWord(present.filter((_, i) => !left.has(i)));
      }
      const any = new Map();
      for (const scores of present) for (const [doc, s] of scores) any.set(doc, (any.get(doc) || 0) + s);
      ranked = tiered(rarest, any);
      partial = true;
    }
    if (ranked === null) ranked = [...combined.entries()].sort(byScore);
    const top = ranked.slice(0, limit);
    const blocks = [...new Set(top.map(([doc]) => Math.floor(doc / state.meta.block)))];
    await Promise.all(blocks.map((b) => deja.load('search/d-' + b + '.js')));
    const results = top.map(([doc, score]) => {
      const row = state.docs.get(Math.floor(doc / state.meta.block))[doc % state.meta.block];
      return { kind: row[0], href: row[1], title: row[2], meta: row[3], summary: row[4], error: row[5], score };
    });
    return { terms, total: ranked.length, results, partial };
  };

  // ---------- highlighting ----------
  const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  deja.termsRegExp = (terms) =>
    terms.length ? new RegExp(terms.slice().sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi') : null;
  // Appends `text` to `parent`, the matches of `re` wrapped in <mark>.
  deja.appendHighlighted = (parent, text, re) => {
    if (!re) { parent.append(text); return; }
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (!m[0].length) { re.lastIndex++; continue; }
      parent.append(text.slice(last, m.index));
      const mark = document.createElement('mark');
      mark.textContent = m[0];
      parent.append(mark);
      last = m.index + m[0].length;
    }
    parent.append(text.slice(last));
  };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  deja.el = el;

  // ---------- search box ----------
  const setupSearch = () => {
    const input = document.getElementById('search-input');
    const panel = document.getElementById('search-results');
    if (!input || !panel) return;
    let generation = 0;
    const close = () => { panel.hidden = true; input.setAttribute('aria-expanded', 'false'); };
    const render = (query, outcome) => {
      panel.replaceChildren();
      const re = deja.termsRegExp(outcome.terms);
      const status = el('p', 'search-status');
      status.setAttribute('role', 'status');
      if (!outcome.terms.length) status.textContent = 'Type a word of the error message, a runbook or a service.';
      else if (!outcome.total) status.textContent = 'No page contains all of: ' + outcome.terms.join(' ');
      else status.textContent = (outcome.total === 1 ? '1 result' : outcome.total + ' results' +
        (outcome.total > outcome.results.length ? ', best ' + outcome.results.length + ' shown' : '')) +
        (outcome.partial ? ' with some of the words (no page contains all of: ' + outcome.terms.join(' ') + ')' : '');
      panel.append(status);
      const list = el('ul');
      list.setAttribute('aria-label', 'Search results');
      for (const r of outcome.results) {
        const item = el('li');
        const link = el('a');
        link.href = root + r.href + '?q=' + encodeURIComponent(query);
        const title = el('span', 'result-title');
        title.append(el('span', 'badge ' + (r.kind === 'r' ? 'kind-apply' : 'neutral'), r.kind === 'r' ? 'Runbook' : 'Incident'));
        const name = el('span');
        deja.appendHighlighted(name, r.title, re);
        title.append(name);
        link.append(title);
        if (r.meta) link.append(el('div', 'result-meta', r.meta));
        if (r.summary) { const s = el('div', 'result-summary'); deja.appendHighlighted(s, r.summary, re); link.append(s); }
        if (r.error) { const e = el('code', 'result-error'); deja.appendHighlighted(e, r.error, re); link.append(e); }
        item.append(link);
        list.append(item);
      }
      panel.append(list);
      panel.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    };
    const run = async () => {
      const query = input.value;
      const mine = ++generation;
      if (!query.trim()) { close(); return; }
      try {
        const outcome = await deja.search(query);
        if (mine === generation) render(query, outcome);
      } catch (error) {
        if (mine !== generation) return;
        panel.replaceChildren(el('p', 'search-status', 'The search index could not be loaded (' + error.message + ').'));
        panel.hidden = false;
      }
    };
    let timer = 0;
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 60); });
    input.addEventListener('focus', () => { deja.load('search/meta.js').catch(() => {}); if (input.value.trim()) run(); });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { input.value = ''; close(); }
      else if (event.key === 'ArrowDown') { const first = panel.querySelector('a'); if (first) { event.preventDefault(); first.focus(); } }
      else if (event.key === 'Enter') { const first = panel.querySelector('a'); if (first && !panel.hidden) { event.preventDefault(); first.click(); } }
    });
    panel.addEventListener('keydown', (event) => {
      const links = [...panel.querySelectorAll('a')];
      const at = links.indexOf(document.activeElement);
      if (event.key === 'ArrowDown' && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
      else if (event.key === 'ArrowUp') { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
      else if (event.key === 'Escape') { close(); input.focus(); }
    });
    document.addEventListener('click', (event) => {
      if (!panel.contains(event.target) && event.target !== input) close();
    });
  };

  // "/" focuses the search box unless the reader is typing somewhere.
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    const input = document.getElementById('search-input');
    if (input) { event.preventDefault(); input.focus(); input.select(); }
  });

  // ---------- copy buttons ----------
  deja.copyText = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = el('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.append(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      area.remove();
      return ok;
    }
  };
  deja.attachCopy = (button, getText) => {
    button.addEventListener('click', async () => {
      const ok = await deja.copyText(getText());
      button.textContent = ok ? 'Copied' : 'Select and copy';
      button.classList.toggle('copied', ok);
      setTimeout(() => { button.textContent = 'Copy'; button.classList.remove('copied'); }, 1600);
    });
  };
  const setupCopy = () => {
    for (const pre of document.querySelectorAll('.prose pre')) {
      if (pre.parentElement.classList.contains('code-block')) continue;
      const wrap = el('div', 'code-block');
      pre.replaceWith(wrap);
      wrap.append(pre);
      const button = el('button', 'copy', 'Copy');
      button.type = 'button';
      button.setAttribute('aria-label', 'Copy code');
      wrap.append(button);
    }
    for (const button of document.querySelectorAll('.code-block .copy')) {
      const pre = button.parentElement.querySelector('pre');
      deja.attachCopy(button, () => pre.innerText.replace(/\n$/, ''));
    }
  };

  // ---------- highlight the searched words on the page ----------
  const highlightQuery = () => {
    const query = new URLSearchParams(location.search).get('q');
    if (!query) return;
    const re = deja.termsRegExp(queryTokens(query));
    const scope = document.querySelector('main');
    if (!re || !scope) return;
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest('script, style, button, .anchor, nav') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    for (let n = walker.nextNode(); n && nodes.length < 2000; n = walker.nextNode()) {
      re.lastIndex = 0;
      if (re.test(n.nodeValue)) nodes.push(n);
    }
    let first = null;
    for (const node of nodes.slice(0, 400)) {
      const span = document.createDocumentFragment();
      deja.appendHighlighted(span, node.nodeValue, re);
      first = first || span.querySelector('mark');
      node.replaceWith(span);
    }
    if (first && !location.hash) first.scrollIntoView({ block: 'center' });
  };

  const start = () => {
    setupSearch();
    setupCopy();
    highlightQuery();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
