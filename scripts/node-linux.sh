# Sourced by scripts/compat.sh and mutation/run.sh: a Node.js of another major version from the npm registry.

# Prints the bin directory of the newest Node.js of major $1, unpacked from the node-linux-<arch> npm package into
# folder $2 (kept there: a later call reuses it while it is still the newest release of that major).
node_linux_bin() {
    local major="$1" dir="$2" arch
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) echo "no node-linux package for $(uname -m): install Node.js $major yourself" >&2; return 1 ;;
    esac
    local newest cached=""
    [ -x "$dir/bin/node" ] && cached="$("$dir/bin/node" --version | tr -d v)"
    # One registry look-up keeps the folder on the newest release of the major; the download itself is cached.
    newest="$(npm view "node-linux-$arch@$major" version --json 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | sort -V | tail -n 1)"
    if [ -n "$cached" ] && { [ "$cached" = "$newest" ] || [ -z "$newest" ]; }; then
        echo "$dir/bin"
        return
    fi
    [ -n "$newest" ] || { echo "node-linux-$arch@$major was not found in the npm registry" >&2; return 1; }
    local download="$dir.download" tarball
    rm -rf "$download" "$dir" && mkdir -p "$download" "$dir" || return 1
    tarball="$(cd "$download" && npm pack --silent "node-linux-$arch@$newest")" || return 1
    tar -xzf "$download/$tarball" -C "$dir" --strip-components=1 || return 1
    rm -rf "$download"
    "$dir/bin/node" --version >/dev/null || return 1
    echo "$dir/bin"
}
