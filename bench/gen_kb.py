#!/usr/bin/env python3
"""Generate a synthetic knowledge base for the index and search benchmarks.

Writes DIR/runbooks/*.md (front matter with params, signatures, examples;
fenced steps) and DIR/incidents/*.md (5-10 KB reports shaped like real
post-mortems: headings, timelines, code blocks with error output, commands),
plus DIR/queries.txt: a mix of search queries a user would type (whole
identifiers, parts of identifiers, words, pasted error lines, phrases, and
words that occur nowhere).

Identifiers and error lines vary from document to document, so the full-text
index sees a realistic vocabulary rather than a few repeated words.

    gen_kb.py --documents 10000 --out /tmp/kb-10k [--runbook-share 0.1] [--seed 1]
"""

import argparse
import os
import random

SYLLABLES = ("ka ro mi te na sul vor pel dan ix tri gon fal mer os ul bri cat zen lum "
             "hap dor kel vin sap qua rex tol yam ber fin gal hex jur lop nim pod").split()
WORDS = ("service queue worker database migration deploy rollout index cache replica "
         "schema table column sequence trigger volume container network proxy gateway "
         "scheduler cron backup snapshot partition lock timeout retry pool connection "
         "session token secret certificate upstream downstream ingress cluster node pod "
         "job pipeline runner artifact image registry tag release branch commit build").split()
PROSE = ("we noticed that the error rate climbed shortly after the rollout and the on-call "
         "engineer paged the owning team who confirmed the symptom in the dashboards and "
         "compared the failing runs with the last green build before deciding to roll back "
         "while a second person read the logs and found the first line that was not noise "
         "then the fix was tested in staging and applied to production with a verification "
         "step that compared row counts and latency before closing the incident").split()
LANGS = ("sh", "bash", "sql", "python")


def ident(rng, style=None):
    parts = [rng.choice(SYLLABLES) + rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))]
    style = style or rng.choice(("snake", "camel", "dotted", "kebab"))
    if style == "snake":
        return "_".join(parts)
    if style == "camel":
        return "".join(p.capitalize() for p in parts)
    if style == "dotted":
        return ".".join(parts)
    return "-".join(parts)


ERROR_TEMPLATES = (
    ('ERROR:  operator class "{a}_ops" does not exist for access method "gin"', r'operator class "{a}_ops" does not exist'),
    ('psycopg.errors.UndefinedFunction: function {a}() does not exist', r'function {a}\(\) does not exist'),
    ('sqlalchemy.exc.{c}Error: {w} {b} has not been called', r'{c}Error: {w} {b} has not been called'),
    ('Error from server (ServiceUnavailable): unable to handle the request (get {d})', r'unable to handle the request \(get {d}\)'),
    ('exec /app/scripts/{a}.sh: permission denied', r'exec /app/scripts/{a}\.sh: permission denied'),
    ('FATAL:  the {w} "{b}" is starting up', r'the {w} "{b}" is starting up'),
    ('Job {k} has reached the specified backoff limit', r'Job {k} has reached the specified backoff limit'),
    ('{c}Exception: could not {w} {a}: connection refused', r'{c}Exception: could not {w} {a}'),
)


def error_pair(rng):
    text, pattern = rng.choice(ERROR_TEMPLATES)
    values = {"a": ident(rng, "snake"), "b": ident(rng, "snake"), "c": ident(rng, "camel"),
              "d": ident(rng, "dotted"), "k": ident(rng, "kebab"), "w": rng.choice(WORDS)}
    return text.format(**values), pattern.format(**values)


def prose(rng, words):
    out = [rng.choice(PROSE) for _ in range(words)]
    for i in range(0, len(out), rng.randint(6, 12)):
        out[i] = rng.choice((f"`{ident(rng)}`", rng.choice(WORDS), out[i]))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def incident(rng, n, runbook_ids, errors_out):
    date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    slug = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{n}"
    errors = [error_pair(rng) for _ in range(rng.randint(1, 4))]
    errors_out.extend(e for e, _ in errors)
    title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} failure in {ident(rng, 'kebab')}"
    lines = []
    if rng.random() < 0.5:
        lines += ["---", f"title: {title}", f"date: {date}", f"status: {rng.choice(('resolved', 'open', 'mitigated'))}",
                  f"severity: {rng.choice(('low', 'medium', 'high', 'critical'))}",
                  f"services: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]"]
        if runbook_ids and rng.random() < 0.5:
            lines.append(f"runbooks: [{rng.choice(runbook_ids)}]")
        lines += ["---", ""]
    lines += [f"# {title}", "", f"**Date:** {date}", f"**Status:** {rng.choice(('Resolved', 'Open'))}", ""]
    lines += ["## Summary", "", prose(rng, rng.randint(80, 150)), ""]
    lines += ["## Symptoms", ""]
    for _ in range(rng.randint(2, 4)):
        lines.append(f"- {prose(rng, rng.randint(10, 25))}")
    lines += ["", "```"]
    for e, _ in errors:
        lines.append(f"$ {rng.choice(('alembic upgrade head', 'kubectl get pods', 'docker compose up', 'pytest -x'))}")
        lines.append(f"2025-10-01T12:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z {e}")
    lines += ["```", "", "## Timeline", ""]
    for h in range(rng.randint(6, 14)):
        lines.append(f"- {9 + h}:{rng.randint(0, 59):02d} {prose(rng, rng.randint(8, 20))}")
    lines += ["", "## Root cause", "", prose(rng, rng.randint(150, 320)), "",
              f"```{rng.choice(LANGS)}", f"{rng.choice(WORDS)} {ident(rng)} --{rng.choice(WORDS)}={ident(rng, 'snake')}",
              f"{rng.choice(WORDS)} {ident(rng, 'dotted')}", "```", ""]
    lines += ["## Resolution", "", prose(rng, rng.randint(120, 260)), ""]
    lines += ["## Lessons learned", ""]
    for _ in range(rng.randint(3, 6)):
        lines.append(f"- {prose(rng, rng.randint(12, 30))}")
    lines.append("")
    return f"{date}-{slug}.md", "\n".join(lines)


def runbook(rng, n):
    rid = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{n}"
    pairs = [error_pair(rng) for _ in range(rng.randint(1, 3))]
    q = lambda s: "'" + s.replace("'", "''") + "'"
    lines = ["---", f"id: {rid}", f"title: Repair the {rng.choice(WORDS)} {rng.choice(WORDS)} of {ident(rng, 'kebab')}",
             f"summary: {q(prose(rng, rng.randint(15, 30)))}", f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]",
             "params:", f"  TARGET: {{description: the {rng.choice(WORDS)} to repair, default: {ident(rng, 'snake')}}}",
             "signatures:"]
    for _, pattern in pairs:
        lines.append(f"  - pattern: {q(pattern)}")
    lines.append("examples:")
    for text, _ in pairs:
        lines.append(f"  - text: {q(text)}")
    lines += ["---", "", f"# Repair {rid}", "", prose(rng, rng.randint(40, 90)), ""]
    for kind in ("diagnose", "apply", "verify"):
        lines += [f'```sh {{"name":"{kind}-{n}","kind":"{kind}"}}',
                  f'{rng.choice(WORDS)} "$TARGET" {ident(rng)} --{rng.choice(WORDS)}', "```", "",
                  prose(rng, rng.randint(10, 30)), ""]
    return rid, f"{rid}.md", "\n".join(lines)


def queries(rng, errors, count):
    out = []
    for i in range(count):
        kind = i % 8
        e = rng.choice(errors)
        tokens = [t.strip('"():,') for t in e.split()]
        idents = [t for t in tokens if any(c in t for c in "_.-") or (t[:1].isupper() and any(c.isupper() for c in t[1:]))]
        if kind == 0 and idents:
            out.append(rng.choice(idents))                       # whole identifier
        elif kind == 1 and idents:
            parts = rng.choice(idents).replace(".", "_").replace("-", "_").split("_")
            out.append(rng.choice(parts))                        # part of one
        elif kind == 2:
            out.append(" ".join(tokens[-6:]))                    # pasted tail of an error line
        elif kind == 3:
            out.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)}")  # two common words
        elif kind == 4:
            out.append('"' + " ".join(tokens[1:4]) + '"')        # a phrase
        elif kind == 5:
            out.append(rng.choice(WORDS))                        # one common word
        elif kind == 6:
            out.append(ident(rng))                               # an identifier that occurs nowhere
        else:
            out.append(e)                                        # a whole pasted error line
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--documents", type=int, required=True, help="incidents + runbooks")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runbook-share", type=float, default=0.1)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "runbooks"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "incidents"), exist_ok=True)
    n_runbooks = max(1, int(args.documents * args.runbook_share))
    ids = []
    for n in range(n_runbooks):
        rid, name, text = runbook(rng, n)
        ids.append(rid)
        with open(os.path.join(args.out, "runbooks", name), "w") as f:
            f.write(text)
    errors = []
    total = 0
    for n in range(args.documents - n_runbooks):
        name, text = incident(rng, n, ids, errors)
        total += len(text)
        with open(os.path.join(args.out, "incidents", name), "w") as f:
            f.write(text)
    with open(os.path.join(args.out, "queries.txt"), "w") as f:
        f.write("\n".join(queries(rng, errors, args.queries)) + "\n")
    incidents = args.documents - n_runbooks
    print(f"{n_runbooks} runbooks, {incidents} incidents (mean {total // max(1, incidents)} bytes) in {args.out}")


if __name__ == "__main__":
    main()
