#!/usr/bin/env bash
# Replace tests/axe/ with axe-core VERSION from npm (axe.min.js and its licences), and
# print the SRI hash to put in tests/axe/README.md and tests/test_a11y_rules.py.
set -euo pipefail
version=${1:?usage: scripts/update_axe.sh VERSION}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz")
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$work/package/LICENSE-3RD-PARTY.txt" \
  "$here/tests/axe/"
echo "tarball sha1: $(sha1sum "$work/axe-core-$version.tgz" | cut -d' ' -f1)"
python3 -c "import json,sys; print('sri:', json.load(open(sys.argv[1]))[sys.argv[2]]['axe.min.js'])" \
  "$work/package/sri-history.json" "$version"
