#!/usr/bin/env bash
# Installs what the real-editor end-to-end test needs, outside the repository:
#   - Debian packages: chromium (the browser playwright-core drives), ripgrep
#     (seeds code-server's ripgrep download), and the toolchain/headers that
#     code-server's native modules compile against (libkrb5-dev for kerberos);
#   - code-server (VS Code for the browser) from npm into a cache directory.
# Idempotent: when everything is present it only checks and returns in well
# under a second, so `npm test` can call it every time.
#
# Cache directory: $GPUVM_LENS_E2E_CACHE, default ~/.cache/gpuvm-lens-e2e.
# code-server 4.100.3 is the newest release whose engines accept Node.js 20.
set -euo pipefail

CACHE="${GPUVM_LENS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gpuvm-lens-e2e}"
CS_VER=4.100.3
# @vscode/ripgrep version pinned by code-server 4.100.3, and the release tag its
# postinstall would download from GitHub (no network access to GitHub here).
RG_PKG=1.15.11
RG_TAG=v13.0.0-10

log() { printf 'e2e-setup: %s\n' "$*" >&2; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || need_apt+=(build-essential)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)

if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

CS_BIN="$CACHE/cs/node_modules/.bin/code-server"
if [ -x "$CS_BIN" ] && [ -f "$CACHE/cs/.installed-$CS_VER" ]; then
  exit 0
fi

log "installing code-server $CS_VER into $CACHE/cs (one-time, about a minute)"
rm -rf "$CACHE/cs"
mkdir -p "$CACHE/cs" "$CACHE/tmp/vscode-ripgrep-cache-$RG_PKG"
# @vscode/ripgrep's postinstall first looks for its archive in this TMPDIR cache.
tar czf "$CACHE/tmp/vscode-ripgrep-cache-$RG_PKG/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" \
  -C "$(dirname "$(command -v rg)")" rg
(
  cd "$CACHE/cs"
  echo '{"private":true}' > package.json
  # node-pty's postinstall runs `npx node-gyp`; as root the code-server
  # postinstall refuses to run without unsafe-perm.
  TMPDIR="$CACHE/tmp" npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$CS_VER" >"$CACHE/install.log" 2>&1 \
    || { tail -50 "$CACHE/install.log" >&2; exit 1; }
)
[ -x "$CS_BIN" ] || { log "code-server binary missing after install"; exit 1; }
touch "$CACHE/cs/.installed-$CS_VER"
log "code-server ready"
