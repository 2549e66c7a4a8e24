#!/usr/bin/env bash
# Installs what entra-auth-audit needs on a Debian/Ubuntu machine, then writes the demo audit pack.
#   bash scripts/setup.sh                 install + demo pack in output/demo/
#   bash scripts/setup.sh --install-only  install only (CI)
# npm packages come from package-lock.json (npm ci); Chromium and fonts for the PDF come from apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
have_browser() {
  [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] && [ -x "${PUPPETEER_EXECUTABLE_PATH}" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}
have_browser || missing+=(chromium)
# Fonts named by the report: Latin, CJK, Arabic/Hebrew/Thai/Devanagari (Noto core) and emoji; poppler and libxml2 for
# the tests that read the PDF and validate JUnit XML; faketime for the test that moves the wall clock.
for pkg in fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji poppler-utils libxml2-utils faketime; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing with apt: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" != "--install-only" ]; then
  node bin/entra-auth-audit.js demo
fi
