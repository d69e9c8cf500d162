#!/usr/bin/env bash
# Berth's set-up on Debian or Ubuntu, the one command README.md gives: installs the system
# packages that are missing (naming them first, through sudo when not root), installs the npm
# packages and builds the VM image. Safe to run again: it only installs what is missing, and the
# image build says "image up to date" when nothing changed. .ci/run runs it with --ci, so CI sets up
# exactly what the README tells a newcomer to run. The image is built from Debian 13 packages
# through the build's own private apt lists: this script never adds deb-src entries or Go.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
Usage: bash scripts/setup.sh [--with-tests] [--yes] [--ci]

Installs what Berth needs on Debian or Ubuntu, the npm packages, and builds the VM image.
  --with-tests  also install what `npm test` needs (chromium, docker-registry, xvfb, the docker CLI,
                docker-compose); their services are not started
  --yes         do not ask before installing (for scripts)
  --ci          --yes and --with-tests, for .ci/run
EOF
}

yes=false
with_tests=false
for arg in "$@"; do
  case "$arg" in
    --yes | -y) yes=true ;;
    --with-tests) with_tests=true ;;
    --ci)
      yes=true
      with_tests=true
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "setup: unknown option '$arg': use --with-tests, --yes or --ci (see --help)" >&2
      exit 2
      ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# THE SYSTEM PACKAGES. One package a line, so that additions merge cleanly.
# What Berth needs to run and to build its VM image:
APT_PACKAGES=(
  qemu-system-x86 # runs the VM
  qemu-utils      # qemu-img: the machine's data disk
  squashfs-tools  # mksquashfs: the image's root
  cpio
  xz-utils
  ca-certificates
  build-essential # compiles the guest's static iptables and kernel from Debian's source packages
  flex            # flex, bison, bc, libelf-dev, libssl-dev: the guest kernel
  bison
  bc
  libelf-dev
  libssl-dev
  gcc-aarch64-linux-gnu       # the aarch64 image (build:vm --arch aarch64): kernel, iptables and C programs
  binutils-aarch64-linux-gnu  # its linker and strip
  shellcheck # npm run lint checks the shell scripts
)
# What `npm test` needs in addition (--with-tests; the docker CLI is added below when missing):
TEST_APT_PACKAGES=(
  chromium        # drives the dashboard's end-to-end tests
  docker-registry # the real registry the pull test uses
  docker-compose  # checks that compose works on Berth's socket
  xvfb
  faketime # npm run faults: the host agent under a jumping clock
  openssh-client # ssh-keygen: the unit tests read Berth's key files with OpenSSH's own reader
  qemu-system-arm # qemu-system-aarch64: the driver test boots a tiny arm64 VM, as an aarch64 machine runs
)
# The tests run on the QEMU users have (Homebrew and winget carry 10, Ubuntu 24.04 8.2). Debian 12's
# own is 7.2, so there --with-tests takes QEMU from bookworm-backports (Debian's build of Debian 13's
# QEMU for Debian 12), adding that archive to apt's sources if it is not there: each of these
# programs that is missing or older, with qemu-utils, all of one version.
TEST_QEMU_MIN=10.0
TEST_QEMU_PACKAGES=(qemu-system-x86 qemu-system-arm)
# (BERTH_SETUP_APT_ETC points the tests of this script at a folder of their own instead of /etc/apt.)
APT_ETC="${BERTH_SETUP_APT_ETC:-/etc/apt}"
BACKPORTS_SOURCES="$APT_ETC/sources.list.d/berth-bookworm-backports.sources"
# ---------------------------------------------------------------------------------------------

NODE_MIN=20.19
export DEBIAN_FRONTEND=noninteractive

say() { echo "setup: $*"; }
die() {
  echo "setup: $*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

confirm() {
  $yes && return 0
  [ -t 0 ] || die "no terminal to ask on: run it again with --yes to install without asking"
  local reply
  read -r -p "setup: $1 [Y/n] " reply
  case "$reply" in
    "" | [Yy]*) return 0 ;;
    *) die "stopped as you asked: nothing more was installed" ;;
  esac
}

# version_ge A B: A >= B, for dotted versions.
version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# ---- Where we are
[ -r /etc/os-release ] || die "no /etc/os-release: this script sets up Debian or Ubuntu; elsewhere follow README.md's Requirements"
# shellcheck source=/dev/null
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
  *" debian "* | *" ubuntu "*) ;;
  *) die "${PRETTY_NAME:-this system} is not Debian or Ubuntu: install README.md's Requirements by hand" ;;
esac
command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian's or Ubuntu's package manager"
say "${PRETTY_NAME:-$ID}"
if [ "${ID:-}" != debian ]; then
  say "note: the VM image is built from Debian 13 packages and source packages; the set-up is tested on Debian 12 hosts"
fi
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: run it as root, or install sudo and add yourself to the sudo group"
fi

# ---- What is missing
wanted=("${APT_PACKAGES[@]}")
if $with_tests; then wanted+=("${TEST_APT_PACKAGES[@]}"); fi
missing=()
present=()
for p in "${wanted[@]}"; do
  if installed "$p"; then present+=("$p"); else missing+=("$p"); fi
done
# The docker CLI: Debian 12 ships it in docker.io (whose daemon is not started, below).
if $with_tests; then
  if command -v docker >/dev/null; then present+=("docker (CLI)"); else missing+=(docker.io); fi
fi

# QEMU for the tests (above): on Debian 12, from bookworm-backports unless it is new enough already.
backports=false
backports_qemu=() # what bookworm-backports installs
qemu_found=""     # what is there instead, e.g. "qemu-system-x86 7.2, qemu-system-arm none"
if $with_tests && [ "${VERSION_CODENAME:-}" = bookworm ]; then
  for p in "${TEST_QEMU_PACKAGES[@]}"; do
    v="$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)"
    v="${v#*:}"
    v="${v%%[-+~]*}"
    if [ -z "$v" ] || ! version_ge "$v" "$TEST_QEMU_MIN"; then
      backports_qemu+=("$p")
      qemu_found="${qemu_found:+$qemu_found, }$p ${v:-none}"
    fi
  done
  if [ ${#backports_qemu[@]} -gt 0 ]; then
    backports=true
    backports_qemu+=(qemu-utils)
    filtered=()
    for p in "${missing[@]}"; do [[ " ${backports_qemu[*]} " == *" $p "* ]] || filtered+=("$p"); done
    missing=("${filtered[@]}")
  fi
fi

# Node.js: Debian 12's own is 18; newer Debian and Ubuntu releases carry 20 or later.
node_version=""
if command -v node >/dev/null; then node_version="$(node --version | sed 's/^v//')"; fi
if [ -n "$node_version" ] && version_ge "$node_version" "$NODE_MIN"; then
  present+=("Node.js $node_version")
else
  candidate="$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  candidate_version="$(printf '%s' "${candidate#*:}" | sed 's/[-+~].*//')"
  if [ -n "$candidate_version" ] && [ "$candidate" != "(none)" ] && version_ge "$candidate_version" "$NODE_MIN"; then
    missing+=(nodejs)
    if ! command -v npm >/dev/null && [[ "$candidate" != *nodesource* ]]; then missing+=(npm); fi
  else
    die "Node.js $NODE_MIN or later is needed (found ${node_version:-none}; apt offers ${candidate_version:-none}): install it from https://nodejs.org/en/download (or NodeSource's Debian packages), then run this again"
  fi
fi

backports_source=false
if $backports && ! grep -rqs 'bookworm-backports' "$APT_ETC/sources.list" "$APT_ETC/sources.list.d/"; then
  backports_source=true
fi

if [ ${#present[@]} -gt 0 ]; then say "already there: ${present[*]}"; fi
if [ ${#missing[@]} -gt 0 ]; then say "missing, to install with apt-get: ${missing[*]}"; fi
if $backports; then
  say "QEMU for the tests: ${TEST_QEMU_MIN} or later (found $qemu_found), to install from bookworm-backports: ${backports_qemu[*]}"
  if $backports_source; then say "apt source to add: bookworm-backports, in $BACKPORTS_SOURCES"; fi
fi
say "apt-get update is run either way, so that apt installs current packages"
if [ "$(id -u)" -ne 0 ]; then say "these steps run as root through sudo, which may ask for your password"; fi
if [ ${#missing[@]} -gt 0 ] || $backports; then confirm "Go on?"; fi

# ---- Install
if $backports_source; then
  # The same mirror and key as the distribution's own entries.
  mirror="$(sed -n 's/^URIs: *//p' "$APT_ETC/sources.list.d/debian.sources" 2>/dev/null | head -n 1)"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${mirror:-http://deb.debian.org/debian}" | as_root tee "$BACKPORTS_SOURCES" >/dev/null
fi
say "apt-get update"
as_root apt-get update -qq

# Package scripts must not start services: the host runs no dockerd or registry of its own (the
# tests start what they need), and a container or CI machine has no init system to start them.
# An existing policy-rc.d (the machine's own) is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=false
cleanup() { if $own_policy; then as_root rm -f "$policy"; fi; }
trap cleanup EXIT
apt_install() {
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    own_policy=true
  fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  apt_install "${missing[@]}"
fi

if $backports; then
  say "installing from bookworm-backports: ${backports_qemu[*]}"
  apt_install -t bookworm-backports "${backports_qemu[@]}"
fi
cleanup
own_policy=false

if [[ " ${missing[*]} " == *" docker"* ]] && [ -d /run/systemd/system ]; then
  say "note: docker.io and docker-registry enable their services for the next boot; Berth does not need them: sudo systemctl disable docker.service docker.socket docker-registry.service"
fi

# ---- npm packages and the VM image
# The desktop app's Electron runtime is not downloaded (berth and berth ui do not need it; the
# packaged app brings its own): README.md says how to fetch it for `npm start`.
say "npm ci"
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
say "building the VM image (the first build compiles the guest kernel and Docker engine: 15-25 minutes on 2 cores; then seconds)"
npm run build:vm --silent

if [ -e /dev/kvm ] && ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
  say "note: /dev/kvm is there but not yours: Berth will use slower software emulation; sudo adduser $(id -un) kvm, then log in again, gives it KVM"
fi
say "done. Start Berth: node bin/berth up"
if $with_tests; then say "run the tests: npm test"; fi
