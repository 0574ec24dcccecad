#!/usr/bin/env bash
# Puts Node.js 22 on PATH. wrangler 4 and @cloudflare/vitest-plugin need
# Node >= 22.12, while the machines ship Node 20: this installs Node 22 from
# the npm registry (the node-linux-<arch> package, through the system npm) into
# a cache directory, once, and reuses it afterwards.
#
#   source .ci/node.sh      # exports PATH (and NODE22_BIN) in this shell
#   bash .ci/node.sh        # installs if needed and prints the bin directory
#
# The cache directory is ${DO_WIZARD_CACHE:-$HOME/.cache/do-wizard}.

do_wizard_node22() {
  local version="22.23.3"
  local cache="${DO_WIZARD_CACHE:-$HOME/.cache/do-wizard}"
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch="x64" ;;
    aarch64 | arm64) arch="arm64" ;;
    *)
      echo "node.sh: no Node.js package for architecture $(uname -m)" >&2
      return 1
      ;;
  esac
  local prefix="$cache/node22"
  local bin="$prefix/node_modules/node-linux-$arch/bin"
  if [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "node.sh: npm is needed to install Node.js $version" >&2
      return 1
    fi
    echo "node.sh: installing Node.js $version into $prefix" >&2
    mkdir -p "$prefix"
    # --prefix keeps this install out of any project; stdout goes to stderr
    # so that `bash .ci/node.sh` prints only the bin directory.
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "node-linux-$arch@$version" >&2 || return 1
    if [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
      echo "node.sh: $bin/node does not run after the install" >&2
      return 1
    fi
  fi
  NODE22_BIN="$bin"
  export NODE22_BIN
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) PATH="$bin:$PATH" ;;
  esac
  export PATH
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  do_wizard_node22
  echo "$NODE22_BIN"
else
  do_wizard_node22
fi
