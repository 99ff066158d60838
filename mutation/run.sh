#!/usr/bin/env bash
# npm run test:mutation — mutation testing of provider/ (every file but index.ts) with the unit suite: StrykerJS
# (mutation/stryker.config.mjs), then mutation/check.js for the per-file minimum. Fails when the whole scores under
# 90% (Stryker's break threshold) or any file under 85%.
#
# The tools install from mutation/package.json into mutation/node_modules, apart from the project: StrykerJS 10's
# mocha runner cannot load mocha 12 (the project's; it requires lib/cli/run-helpers, which mocha 12.0.3 ships as .cjs),
# so it gets mocha 11 there. The runner looks mocha up from the working directory, so Stryker runs in
# mutation/out/project, a copy of provider/, test/, lab/ and their settings (tracked and new files, as scripts/compat.sh
# copies them), with its sandboxes in mutation/out/tmp and no node_modules link: mocha resolves to
# mutation/node_modules first, and everything else the tests load (ts-node, chai, the AWS SDK, @pulumi/pulumi) from
# the project's node_modules further up. The copy also keeps the run on one snapshot while the checkout changes.
# StrykerJS 10 needs Node.js 22 or later: on an older Node.js this runs it (and so the tests) on Node.js 22 from the npm
# registry's node-linux-<arch> package, unpacked once into mutation/out/node-22, as scripts/compat.sh does.
#
# Output (gitignored): mutation/out/report/index.html (for people), mutation/out/report/mutation.json (the
# mutation-testing-report-schema JSON, for tools). Extra arguments go to Stryker, e.g.
# `npm run test:mutation -- --incremental` reuses mutation/out/incremental.json to test only what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../scripts/node-linux.sh
. "$ROOT/scripts/node-linux.sh"
TOOLS="$ROOT/mutation"
OUT="$TOOLS/out"
NODE_MAJOR=22
cd "$ROOT"

# Prints the bin directory of a Node.js that can run StrykerJS 10.
stryker_node_bin() {
    if [ "$(node -p 'process.versions.node.split(".")[0]')" -ge "$NODE_MAJOR" ]; then
        dirname "$(command -v node)"
        return
    fi
    node_linux_bin "$NODE_MAJOR" "$OUT/node-$NODE_MAJOR"
}

started=$SECONDS
mkdir -p "$OUT"
bin="$(stryker_node_bin)"
# The machine's npm (#!/usr/bin/env node) runs on the Node.js first in PATH.
export PATH="$bin:$PATH"
# npm writes node_modules/.package-lock.json on every install: older than package-lock.json means out of date.
if [ ! -f "$TOOLS/node_modules/.package-lock.json" ] || [ "$TOOLS/package-lock.json" -nt "$TOOLS/node_modules/.package-lock.json" ]; then
    (cd "$TOOLS" && npm ci --no-audit --no-fund)
fi
if [ ! -d "$ROOT/node_modules/ts-node" ]; then
    echo "mutation: the project's node_modules is missing: run npm ci first" >&2
    exit 1
fi
rm -rf "$OUT/report" "$OUT/project" "$OUT/tmp"
mkdir -p "$OUT/project"
git ls-files -z --cached --others --exclude-standard -- provider test lab package.json tsconfig.json .mocharc.json |
    while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
    tar --null -T - -cf - | tar -xf - -C "$OUT/project"
echo "mutation: StrykerJS on Node.js $(node --version)"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# Stryker starts a fresh test runner for every static mutant (code run when a module loads, such as its regular
# expressions); Node's compile cache spares each of them compiling ts-node, TypeScript, the AWS SDK and Pulumi again.
export NODE_COMPILE_CACHE="$OUT/compile-cache"
status=0
(cd "$OUT/project" && node "$TOOLS/node_modules/@stryker-mutator/core/bin/stryker.js" run "$TOOLS/stryker.config.mjs" "$@") || status=$?
if [ -f "$OUT/report/mutation.json" ]; then
    node "$TOOLS/check.js" "$OUT/report/mutation.json" 85 || status=1
else
    echo "mutation: Stryker wrote no report" >&2
    status=1
fi
echo "mutation: $((SECONDS - started)) s; report: mutation/out/report/index.html (HTML), mutation/out/report/mutation.json (JSON)"
exit "$status"
