#!/usr/bin/env bash
# The Debian packages letters need (fonts for every script a child's name may be written in).
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
# Noto Color Emoji for emoji; Hanazono (HanaMinA/B) for CJK Extension A and B (e.g. U+20000).
packages=(fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fonts-hanazono fonts-dejavu-core)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (fonts for letters)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Letters need these Debian packages: sudo apt-get install ${missing[*]}" >&2
  echo "(or set CME_FONT_DIRS to folders holding Noto Sans, Noto Sans CJK, Noto Color Emoji," >&2
  echo " HanaMinB and DejaVu Sans)" >&2
fi
