#!/usr/bin/env bash
# wrk (load generator) and nginx (the machine's static-file ceiling) from Debian's packages,
# installed only when missing. Both are used on 127.0.0.1 only.
set -euo pipefail
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  echo "installing wrk and nginx from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq wrk nginx >/dev/null
  # The package starts a system nginx on port 80; the benchmark runs its own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
  fi
fi
