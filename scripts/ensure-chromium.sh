#!/usr/bin/env bash
# Makes sure Debian's Chromium is there for the dashboard's browser tests: installs it as root when it is missing
# (the tests and .ci/run call this, as they install PostgreSQL). CHROMIUM_PATH names another binary.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing at $bin: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "installing Chromium from Debian's packages" >&2
apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2
