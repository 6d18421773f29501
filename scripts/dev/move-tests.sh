#!/usr/bin/env bash
# Moves the flat test/*.test.ts into feature folders that mirror src/ (issue 21), for the lead to run once after the
# merges: git mv, relative paths one level deeper, and every mention of a moved file's path (vitest.config.ts's
# UNIT/E2E lists, docs, comments) rewritten. Run from anywhere in the checkout; then tsc and the tests.
# A name no rule knows goes to test/misc/ (listed at the end, to be placed by hand).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

folder() {
  case "$1" in
    api | input-validation | live-api | hostile-* | security-* | dashboard-* | stream | stream-* | graphql-* | openapi | openapi-*) echo server ;;
    codec | codec-* | xdr-reader | factory | read-paths) echo contract ;;
    discovery-*) echo discovery ;;
    fidelity-* | resilience-concurrency | resilience-crash | resilience-database | resilience-faults | sync.e2e | sync-* | providers-*) echo sync ;;
    rpc-* | resilience-rpc) echo rpc ;;
    store | store-* | schema-drift | resilience-lock) echo store ;;
    history-*) echo history ;;
    live-*) echo live ;;
    webhooks-*) echo webhooks ;;
    redact | secrets-redact | visible-text | since) echo internal ;;
    cli-usage | cli-* | logs | secrets) echo bin ;;
    env-example | config-*) echo config ;;
    simnet | simnet-*) echo simulator ;; # test/simnet/ is the simulator itself
    package | scripts-*) echo package ;;
    docs-*) echo docs ;;
    market-* | trades-*) echo market ;;
    *) echo misc ;;
  esac
}

moved=()
unknown=()
for file in test/*.test.ts; do
  [ -e "$file" ] || continue
  base=$(basename "$file")
  dest=$(folder "${base%.test.ts}")
  [ "$dest" = misc ] && unknown+=("$base")
  mkdir -p "test/$dest"
  git mv "$file" "test/$dest/$base"
  moved+=("$base:$dest")
  # One level deeper: "./x" -> "../x", "../x" -> "../../x" in any quoted string (imports, vi.mock, import(), new URL);
  # paths joined to import.meta.dirname: ".." -> "../..", "support/x" -> "../support/x".
  perl -pi -e '
    s{(["\x27`])(\./|(?:\.\./)+)}{ $1 . ($2 eq "./" ? "../" : "../" . $2) }ge;
    s{(import\.meta\.dirname,\s*)"\.\."}{$1"../.."}g;
    s{(import\.meta\.dirname,\s*)"(?![./])}{$1"../}g;
  ' "test/$dest/$base"
done

# Every mention of a moved file by its old path: vitest.config.ts, docs, READMEs, comments in src/ and test/.
mapfile -t texts < <(git ls-files -- '*.ts' '*.mts' '*.mjs' '*.cjs' '*.md' '*.json' ':!pnpm-lock.yaml')
for entry in "${moved[@]}"; do
  base=${entry%%:*}
  dest=${entry##*:}
  old="test/$base" new="test/$dest/$base" perl -pi -e 's{(?<![\w./-])\Q$ENV{old}\E}{$ENV{new}}g' "${texts[@]}"
done
# The simulator's own tests were one glob.
perl -pi -e 's{"test/simnet\*\.test\.ts"}{"test/simulator/*.test.ts"}g' vitest.config.ts

printf 'moved %d files:\n' "${#moved[@]}"
printf '  %s\n' "${moved[@]}" | sort -t: -k2
if [ "${#unknown[@]}" -gt 0 ]; then
  printf 'no rule for these, put in test/misc/ (move them by hand and fix their paths):\n'
  printf '  %s\n' "${unknown[@]}"
fi
