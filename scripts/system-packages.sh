#!/usr/bin/env bash
# The Debian packages the product and its tests need: fonts for every script a child's name may
# be written in, Chromium for the browser tests and poppler-utils to read letters back.
# Installs what is missing when run as root with apt-get; otherwise prints the exact apt-get
# line and carries on, and the tests that need a missing package then fail (never skip).
set -euo pipefail
packages=(
  fonts-noto-core fonts-noto-cjk fonts-dejavu-core  # letters
  fonts-noto-color-emoji                            # letters: emoji in names
  fonts-hanazono                                    # letters: CJK Extension A and B (U+20000)
  chromium                                          # browser tests (Playwright drives it)
  poppler-utils                                     # pdftotext: letters read back in tests
  curl                                              # make serve waits for the server with it
)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  echo "(letters can use other font folders via CME_FONT_DIRS, holding Noto Sans, Noto Sans CJK," >&2
  echo " Noto Color Emoji, HanaMinB and DejaVu Sans; the tests need all of the packages)" >&2
fi
