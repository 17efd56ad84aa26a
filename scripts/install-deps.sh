#!/usr/bin/env bash
# Installs the system programs the tests use, when they are missing (Debian/Ubuntu: apt-get):
#   dot (graphviz)                       graph export to PNG/SVG
#   /usr/sbin/sshd (openssh-server)      private sshd servers of the end-to-end tests and benchmarks (spec/helpers/sshd/)
#   ssh, ssh-keygen (openssh-client)     keys for those servers, and the real client in the e2e tests
#   ss (iproute2), pgrep (procps)        counting connections and finding remote processes in the e2e tests
#   openssl, unshare (util-linux)        the password test: a password hash, and sshd in a mount namespace
#   chromium, fonts-dejavu-core          the report's browser tests (spec/report/): headless, and readable text
#                                        in their screenshots
set -euo pipefail
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || missing+=(openssh-server)
{ command -v ssh && command -v ssh-keygen; } >/dev/null 2>&1 || missing+=(openssh-client)
command -v ss >/dev/null 2>&1 || [ -x /usr/sbin/ss ] || [ -x /sbin/ss ] || missing+=(iproute2)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: please install: ${missing[*]} (no apt-get here)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
