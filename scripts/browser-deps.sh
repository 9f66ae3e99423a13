#!/usr/bin/env bash
# What the browser tests need on the machine: Chromium at /usr/bin/chromium and the Noto CJK
# fonts (Chinese text in screenshots and PDFs). Installs what is missing with apt when it can
# (root, or sudo without a password); otherwise prints the one command to run and fails.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "The browser tests need ${need[*]}: install them with your system's package manager." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "The browser tests need ${need[*]}. Run, then try again:" >&2
  echo "  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} (browser tests)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
