#!/usr/bin/env bash
# The linters, each step named: ESLint (the TypeScript rules and the layers of app/), Prettier's
# check of the formatting, and shellcheck on every shell script (the guest's scripts are found by
# their #! line, since most have no .sh extension). Every step runs; any failure fails the whole.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
failed=()

echo "== lint: eslint"
npx eslint --max-warnings 0 . || failed+=(eslint)

echo "== lint: prettier"
npx prettier --check --log-level warn . || failed+=(prettier)

echo "== lint: shellcheck"
scripts=(vm-images/scripts/*.sh scripts/*.sh test/fixtures/qemu/tiny-vm/build.sh .ci/run)
while IFS= read -r -d '' f; do
  if head -n 1 "$f" | grep -qE '^#!.*/(env )?(ba|da)?sh\b'; then scripts+=("$f"); fi
done < <(find vm-images/guest -type f -print0)
# The guest's scripts source /etc/berth/common.sh, a path only the guest has (SC1091); common.sh
# itself has no #! line, so it is checked on its own as sh; the names it sets are for the scripts
# that source it (SC2034).
shellcheck -e SC1091 "${scripts[@]}" || failed+=(shellcheck)
shellcheck -s sh -e SC2034 vm-images/guest/rootfs/etc/berth/common.sh || failed+=(shellcheck)

if [ ${#failed[@]} -gt 0 ]; then
  echo "lint failed: ${failed[*]}" >&2
  exit 1
fi
