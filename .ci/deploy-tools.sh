#!/usr/bin/env bash
# Debian's nginx and systemd-analyze for tests/deploy (the shipped nginx.conf before a
# real gunicorn; `systemd-analyze verify` of the units).
set -euo pipefail
missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "$(/usr/sbin/nginx -v 2>&1); $(systemd-analyze --version | head -n 1)"
