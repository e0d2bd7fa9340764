#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the browser tests (Playwright and pa11y drive it;
# neither downloads a browser of its own), Java for the Nu HTML checker, Node.js for pa11y.
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  echo "installing chromium and fonts-noto-cjk from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# The Nu HTML checker (vnu.jar) runs on Debian's Java; pa11y-ci on Debian's Node.js.
if ! command -v java >/dev/null || ! command -v npm >/dev/null; then
  echo "installing default-jre-headless and npm from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq default-jre-headless nodejs npm >/dev/null
fi
