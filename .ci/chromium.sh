#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the browser tests (Playwright drives it; it never
# downloads a browser of its own).
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  echo "installing chromium and fonts-noto-cjk from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
