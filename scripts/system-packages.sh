#!/usr/bin/env bash
# The Debian packages letters need (fonts for every script a child's name may be written in).
# Chromium: the browser tests of the Prefect UI and the case workspace (never a downloaded build).
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
packages=(fonts-noto-core fonts-noto-cjk fonts-dejavu-core chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (fonts for letters, Chromium for browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Letters need these Debian packages: sudo apt-get install ${missing[*]}" >&2
  echo "(or set CME_FONT_DIRS to folders holding Noto Sans, Noto Sans CJK and DejaVu Sans)" >&2
fi
