#!/usr/bin/env python3
"""Inputs for the `deja match` benchmark.

Writes into OUT:
  ci.log        SIZE MiB of CI output (GitHub Actions timestamps, compiler,
                pip/npm, pytest, docker build, alembic and PostgreSQL lines,
                some ANSI colour and harmless "error" words) with failures
                planted at known places;
  small.log     a 200-line log with one planted failure (warm-cache latency);
  kb/runbooks/  generated runbooks so that, with the bundled ones, the
                knowledge base holds SIGNATURES signatures;
  patterns.txt  every signature (bundled and generated), one per line, as
                written (RE2 syntax);
  patterns.rg   the same for `rg -f`: ripgrep joins the lines into one
                regex, so named groups become plain groups (names repeat)
                and a leading (?i) is scoped to its own pattern;
  patterns.ere  the same for `grep -E -f` (named and non-capturing groups
                made plain, \\d spelled [0-9], (?i) dropped).
"""
import argparse
import os
import random
import re
import sys

import yaml

WORDS = ("queue ledger invoice tenant shard replica bucket webhook cursor lease snapshot manifest "
         "partition scheduler pipeline artifact tokenizer embedding checkpoint gateway session "
         "catalog inventory payment refund quota billing profile avatar thumbnail archive").split()
VERBS = "acquire refresh serialize publish reconcile hydrate flush rotate decode allocate".split()
COMPONENTS = ("LedgerSync InvoiceWorker TenantRouter ShardBalancer ReplicaWatcher BucketJanitor "
              "WebhookRelay CursorStore LeaseKeeper SnapshotWriter ManifestLoader PartitionPlanner").split()


def bundled_patterns(root):
    patterns = []
    for name in sorted(os.listdir(os.path.join(root, "runbooks"))):
        if not name.endswith(".md"):
            continue
        text = open(os.path.join(root, "runbooks", name), encoding="utf-8").read()
        if not text.startswith("---"):
            continue
        front = text.split("\n---", 1)[0][3:]
        try:
            meta = yaml.safe_load(front) or {}
        except yaml.YAMLError:
            continue
        for sig in meta.get("signatures") or []:
            if isinstance(sig, dict) and sig.get("pattern"):
                patterns.append(str(sig["pattern"]))
    return patterns


def generated_signature(rng, i):
    """A literal-bearing signature and a line it matches."""
    comp = rng.choice(COMPONENTS)
    verb = rng.choice(VERBS)
    noun = rng.choice(WORDS)
    code = f"E{1000 + i}"
    kind = i % 4
    if kind == 0:
        pattern = f'{comp}Error: failed to {verb} {noun} "(?P<NAME>[^"]+)" \\({code}\\)'
        line = f'{comp}Error: failed to {verb} {noun} "{rng.choice(WORDS)}-{i}" ({code})'
    elif kind == 1:
        pattern = f"{noun}_{verb}_failed code={code} after \\d+ attempts"
        line = f"{noun}_{verb}_failed code={code} after {rng.randint(2, 9)} attempts"
    elif kind == 2:
        pattern = f"{comp}: cannot {verb} {noun} (?P<ID>[0-9a-f]{{8}}): {code} quota exhausted"
        line = f"{comp}: cannot {verb} {noun} {rng.getrandbits(32):08x}: {code} quota exhausted"
    else:
        pattern = f"panic: {comp}\\.{verb.capitalize()}{noun.capitalize()}: invariant {code} violated"
        line = f"panic: {comp}.{verb.capitalize()}{noun.capitalize()}: invariant {code} violated"
    return pattern, line


# Escapes outside these make ripgrep 13's regex-syntax fail ("unrecognized
# escape sequence"); RE2 accepts a backslash before any punctuation (\").
RG_ESCAPABLE = set("\\.+*?()|[]{}^$#&-~ \t")
RG_CLASS_ESCAPES = set("dDsSwWbBAzpPnrtfvx0123456789")


def to_rg(pattern):
    p = re.sub(r"\(\?P<\w+>", "(", pattern)
    if p.startswith("(?i)"):
        p = "(?i:" + p[4:] + ")"
    out = []
    i = 0
    while i < len(p):
        c = p[i]
        if c != "\\" or i + 1 == len(p):
            out.append(c)
            i += 1
            continue
        n = p[i + 1]
        if n in "bB":
            # RE2's \b is an ASCII word boundary. ripgrep's is Unicode, which
            # its DFAs give up on at the first non-ASCII byte: one such \b in
            # the joined pattern sends the log through the slow engine (two
            # bundled signatures had one: 110 s and 1.6 GB of RSS for 1 MiB
            # of ci.log with 866 signatures; 0.6 s and 44 MB for 4 MiB as
            # (?-u:\b)).
            out.append("(?-u:\\" + n + ")")
        elif n in RG_ESCAPABLE or n in RG_CLASS_ESCAPES or n.isalnum():
            out.append("\\" + n)
        else:
            out.append(n)  # \" and other punctuation RE2 escapes needlessly
        i += 2
    return "".join(out)


def to_ere(pattern):
    p = re.sub(r"\(\?P<\w+>", "(", pattern)
    p = p.replace("(?:", "(").replace("(?i)", "")
    p = p.replace("\\d", "[0-9]")
    p = re.sub(r"([+*?}])\?", r"\1", p)  # lazy quantifiers: same lines match
    return p


def noise_pool(rng, n):
    pool = []
    for k in range(n):
        ts = f"2025-10-01T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 9999999):07d}Z "
        f = rng.choice(WORDS)
        g = rng.choice(WORDS)
        choice = rng.randrange(16)
        if choice == 0:
            line = f"[ {rng.randint(1, 99):2d}%] Building CXX object src/CMakeFiles/app.dir/{f}/{g}.cpp.o"
        elif choice == 1:
            line = (f"/usr/bin/c++ -DAPP_{f.upper()}=1 -I/src/include -I/src/third_party/{g} -O2 -g -Wall -Werror "
                    f"-std=c++20 -o CMakeFiles/app.dir/{f}.cpp.o -c /src/{f}/{g}.cpp")
        elif choice == 2:
            line = f"/src/{f}/{g}.cpp:{rng.randint(1, 900)}:{rng.randint(1, 80)}: warning: unused variable '{g}_count' [-Wunused-variable]"
        elif choice == 3:
            line = f"Collecting {f}-{g}=={rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        elif choice == 4:
            line = (f"  Downloading {f}_{g}-{rng.randint(0, 9)}.{rng.randint(0, 30)}.0-py3-none-any.whl "
                    f"({rng.randint(10, 900)} kB)")
        elif choice == 5:
            line = f"tests/test_{f}.py::test_{g}_{rng.choice(['roundtrip', 'error_handling', 'retry', 'empty'])} PASSED [{rng.randint(0, 100):3d}%]"
        elif choice == 6:
            line = f"#{rng.randint(2, 30)} {rng.random() * 60:.3f} Get:{rng.randint(1, 40)} http://deb.debian.org/debian bookworm/main amd64 lib{f} amd64 {rng.randint(1, 9)}.{rng.randint(0, 9)}-1 [{rng.randint(10, 999)} kB]"
        elif choice == 7:
            line = f"INFO  [alembic.runtime.migration] Running upgrade {rng.getrandbits(48):012x} -> {rng.getrandbits(48):012x}, add {f} {g} table"
        elif choice == 8:
            line = f"db-1  | 2025-10-01 23:34:{rng.randint(10, 59)}.{rng.randint(100, 999)} UTC [{rng.randint(60, 999)}] LOG:  checkpoint complete: wrote {rng.randint(1, 900)} buffers ({rng.random():.1f}%)"
        elif choice == 9:
            line = f"added {rng.randint(100, 2000)} packages, and audited {rng.randint(100, 2000)} packages in {rng.randint(2, 60)}s"
        elif choice == 10:
            line = f"\x1b[32m✓\x1b[0m {f} {g} handles retries \x1b[2m({rng.randint(1, 900)} ms)\x1b[0m"
        elif choice == 11:
            line = f"Compiling {f}-{g} v{rng.randint(0, 3)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
        elif choice == 12:
            line = f"ok  \tgithub.com/acme/{f}/{g}\t{rng.random() * 3:.3f}s\tcoverage: {rng.randint(40, 99)}.{rng.randint(0, 9)}% of statements"
        elif choice == 13:
            line = f"api-1  | INFO:     172.18.0.{rng.randint(2, 9)}:{rng.randint(30000, 60000)} - \"GET /api/v1/{f}/{rng.randint(1, 999)} HTTP/1.1\" 200 OK"
        elif choice == 14:
            line = f"{{\"level\":\"info\",\"ts\":\"2025-10-01T23:34:05Z\",\"msg\":\"{f} {g} synced\",\"items\":{rng.randint(0, 999)}}}"
        else:
            line = f"Step {rng.randint(1, 20)}/{rng.randint(20, 30)} : RUN pip install --no-cache-dir -r requirements/{f}.txt  # 0 errors expected"
        pool.append(ts + line + "\n")
    return pool


PLANTED = [
    'psycopg.errors.UndefinedObject: operator class "gin_trgm_ops" does not exist for access method "gin"',
    "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here.",
    "psycopg2.errors.InvalidObjectDefinition: functions in index predicate must be marked IMMUTABLE",
    "Warning  BackoffLimitExceeded  job/migrations  Job has reached the specified backoff limit",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--signatures", type=int, default=1000)
    parser.add_argument("--planted", type=int, default=40, help="failures planted in ci.log")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "kb", "runbooks"), exist_ok=True)

    bundled = bundled_patterns(root)
    wanted = max(0, args.signatures - len(bundled))
    generated = [generated_signature(rng, i) for i in range(wanted)]
    per_runbook = 4
    for start in range(0, len(generated), per_runbook):
        chunk = generated[start:start + per_runbook]
        rid = f"bench-generated-{start // per_runbook:04d}"
        front = {
            "id": rid,
            "title": f"Generated failure family {start // per_runbook}",
            "summary": "Generated for the match benchmark.",
            "params": {"NAME": {"description": "name"}, "ID": {"description": "id"}},
            "signatures": [{"pattern": p} for p, _ in chunk],
        }
        with open(os.path.join(args.out, "kb", "runbooks", rid + ".md"), "w", encoding="utf-8") as f:
            f.write("---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n")
            f.write(f"# {front['title']}\n\n```sh {{\"name\":\"check\",\"kind\":\"diagnose\"}}\ntrue\n```\n")

    patterns = bundled + [p for p, _ in generated]
    with open(os.path.join(args.out, "patterns.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(patterns) + "\n")
    with open(os.path.join(args.out, "patterns.rg"), "w", encoding="utf-8") as f:
        f.write("\n".join(to_rg(p) for p in patterns) + "\n")
    with open(os.path.join(args.out, "patterns.ere"), "w", encoding="utf-8") as f:
        f.write("\n".join(to_ere(p) for p in patterns) + "\n")

    planted = PLANTED + [line for _, line in generated[:: max(1, len(generated) // 20)]]
    pool = noise_pool(rng, 200_000)
    target = args.size_mb << 20
    written = 0
    plant_every = target // max(1, args.planted)
    next_plant = plant_every // 2
    planted_count = 0
    with open(os.path.join(args.out, "ci.log"), "w", encoding="utf-8") as f:
        while written < target:
            chunk = "".join(rng.choices(pool, k=20_000))
            if written + len(chunk) >= next_plant and planted_count < args.planted:
                chunk += "2025-10-01T23:59:59.0000000Z " + planted[planted_count % len(planted)] + "\n"
                planted_count += 1
                next_plant += plant_every
            f.write(chunk)
            written += len(chunk.encode("utf-8"))
    with open(os.path.join(args.out, "small.log"), "w", encoding="utf-8") as f:
        f.write("".join(rng.choices(pool, k=199)))
        f.write("2025-10-01T23:59:59.0000000Z " + PLANTED[0] + "\n")
    print(f"{args.out}: ci.log {written >> 20} MiB, {planted_count} planted failures, "
          f"{len(patterns)} signatures ({len(bundled)} bundled)", file=sys.stderr)


if __name__ == "__main__":
    main()
