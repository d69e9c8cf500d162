#!/usr/bin/env bash
# The whole test suite: the linters, unit tests, the driver test that boots a tiny VM under the
# real QEMU, the VM image build, then the integration tests that boot real VMs under QEMU, then
# the dashboard's tests. The fault suite (npm run faults) is not part of it: its --quick form,
# which .ci/run runs after this, takes 12-22 minutes on a 2-core machine under TCG, most of it 50
# containers starting at once (README, "Run the tests").
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== lint"
bash scripts/lint.sh
npm run build --silent
npm run typecheck:ui --silent
# The real-QEMU driver test boots a kernel with a 1 MB busybox init (built in seconds from
# Debian packages); without it that test would be skipped.
export BERTH_TINY_VM="${BERTH_TINY_VM:-${TMPDIR:-/tmp}/berth-tiny-vm}"
if [ ! -f "$BERTH_TINY_VM/vmlinuz" ]; then
  echo "== tiny VM for the driver test"
  sh test/fixtures/qemu/tiny-vm/build.sh "$BERTH_TINY_VM" 2>/dev/null
fi
# And its arm64 twin, which the driver test boots under TCG on the virt board where
# qemu-system-aarch64 is installed (skipped, saying so, where it is not).
export BERTH_TINY_VM_AARCH64="${BERTH_TINY_VM_AARCH64:-${TMPDIR:-/tmp}/berth-tiny-vm-aarch64}"
if [ ! -f "$BERTH_TINY_VM_AARCH64/vmlinuz" ] && command -v qemu-system-aarch64 >/dev/null; then
  echo "== arm64 tiny VM for the driver test"
  sh test/fixtures/qemu/tiny-vm/build.sh "$BERTH_TINY_VM_AARCH64" aarch64 2>/dev/null
fi
echo "== unit tests"
node --test --test-reporter=spec out/test/unit/
echo "== driver test (real QEMU)"
node --test --test-reporter=spec out/test/driver/
echo "== VM image"
node out/vm-images/build/main.js
# The aarch64 image, for the real-VM tests of an aarch64 machine (test/integration/aarch64.test.ts)
# and the x86_64 machine's arm64 container; cross-built, ~18 minutes on 2 cores the first time.
if command -v qemu-system-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null; then
  echo "== VM image (aarch64)"
  node out/vm-images/build/main.js --arch aarch64
fi
echo "== integration tests (real VMs)"
node --test --test-reporter=spec --test-concurrency=1 out/test/integration/
echo "== dashboard component tests"
npm run test:ui --silent
echo "== dashboard end-to-end (berth ui, real VM, Chromium)"
node --test --test-reporter=spec --test-concurrency=1 out/test/e2e/
