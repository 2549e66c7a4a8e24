#!/usr/bin/env bash
# Release check of the npm package, the way a user gets it:
#   bash scripts/check-pack.sh            pack, install into a temporary prefix, run --version, --help and demo
#   bash scripts/check-pack.sh --keep     keep the temporary folder (its path is printed) to inspect the tarball
#
# The build runs in a copy of the work tree: `npm pack` builds dist/ (prepack), and a dist/ left here would shadow
# src/ for bin/entra-auth-audit.js. Nothing is written to the work tree. test/integration/pack-install.test.ts
# asserts the same in the test suite; this script also prints the tarball's size and contents and the start-up time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
keep=false
[ "${1:-}" = "--keep" ] && keep=true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eaa-check-pack-XXXXXX")
cleanup() { if $keep; then echo "kept: $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

echo "== copy the work tree (without node_modules, dist, output, .git)"
tar --exclude=./node_modules --exclude=./dist --exclude=./output --exclude=./.git --exclude='./*.tgz' -cf - . \
  | tar -xf - -C "$tmp" --one-top-level=project
ln -s "$root/node_modules" "$tmp/project/node_modules"

echo "== npm pack (prepack builds dist/ in the copy)"
(cd "$tmp/project" && npm pack --pack-destination "$tmp" --loglevel=warn >/dev/null)
tarball=$(ls "$tmp"/entra-auth-audit-*.tgz)
echo "tarball: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) kB, $(tar -tzf "$tarball" | wc -l) files"
if tar -tzf "$tarball" | grep -E '^package/(src|test|scripts)/|\.ts$' ; then
  echo "FAIL: the tarball contains sources or tests (above)" >&2
  exit 1
fi

echo "== npm install -g --prefix (from the npm cache where possible)"
PUPPETEER_CACHE_DIR="$tmp/puppeteer-cache" npm install -g --prefix "$tmp/prefix" "$tarball" \
  --prefer-offline --no-audit --no-fund --loglevel=error
[ -e "$tmp/puppeteer-cache" ] && { echo "FAIL: the install downloaded a browser" >&2; exit 1; }
cli="$tmp/prefix/bin/entra-auth-audit"

echo "== run it from outside the repository"
cd "$tmp"
echo "version: $("$cli" --version)"
"$cli" demo --users 200 --no-pdf --out "$tmp/demo" --quiet
for f in audit.html results.json summary.md snapshot/manifest.json; do
  [ -s "$tmp/demo/$f" ] || { echo "FAIL: demo did not write $f" >&2; exit 1; }
done
echo "demo: ok ($tmp/demo)"

node --input-type=module -e '
  import { spawnSync } from "node:child_process";
  const cli = process.argv[1];
  spawnSync(cli, ["--help"]);
  const ms = [];
  for (let i = 0; i < 10; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cli, ["--help"]);
    if (r.status !== 0) throw new Error(String(r.stderr));
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(`--help start-up (10 runs): median ${((ms[4] + ms[5]) / 2).toFixed(0)} ms, min ${ms[0].toFixed(0)} ms, max ${ms[9].toFixed(0)} ms`);
' "$cli"
echo "ok"
