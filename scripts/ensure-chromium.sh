#!/bin/sh
# Run before `npm test`: the browser suite (test/browser) drives Debian's Chromium through
# playwright-core, and a fresh machine has none. Installs it where it can (root with
# apt-get), else says what to do.
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the browser suite"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "pretest: /usr/bin/chromium is missing; the browser suite needs it: apt-get install chromium" >&2
exit 1
