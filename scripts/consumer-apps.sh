#!/usr/bin/env bash
# Installs the packed library into the consumer apps of test/consumers and checks that each type-checks and
# synthesizes (environment-agnostic: no credentials, no network but the npm registry for the installs):
#   ts7-tsx       as `cdk init app --language typescript` generates it today: TypeScript 7, NodeNext, tsx;
#   ts59-ts-node  a classic app: TypeScript 5.9, CommonJS with node10 resolution, ts-node;
#   min-cdk       pinned at the lowest aws-cdk-lib, constructs and @aws-sdk/client-lambda pendant declares.
# Each synthesizes twice, with weak and with strong cross-stack references (`@aws-cdk/core:defaultCrossStackReferences`).
# Usage: scripts/consumer-apps.sh [consumer …]   (default: all three; needs a built dist/, as after `npm ci`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
consumers=("$@")
if (( ${#consumers[@]} == 0 )); then consumers=(ts7-tsx ts59-ts-node min-cdk); fi

export CDK_DISABLE_CLI_TELEMETRY=true
work="$(mktemp -d "${TMPDIR:-/tmp}/pendant-consumers.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The build already ran (npm ci's prepare script): pack what it made, as `npm publish` would.
tarball="$work/$(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work" | tail -n 1)"
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

for consumer in "${consumers[@]}"; do
  started=$SECONDS
  app="$work/$consumer"
  mkdir -p "$app"
  cp -R "$root/test/consumers/app/." "$root/test/consumers/$consumer/." "$app/"
  cd "$app"
  echo "::: consumer $consumer: npm install (with the packed pendant)"
  # --prefer-offline: what the npm cache holds is not asked of the registry again.
  npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball"
  if [[ -d node_modules/pendant/node_modules ]]; then
    echo "error: $consumer has a nested copy of a package under pendant: $(ls node_modules/pendant/node_modules)" >&2
    exit 1
  fi
  echo "::: consumer $consumer: tsc ($(npx tsc --version))"
  npx tsc -p tsconfig.json
  for strength in weak strong; do
    echo "::: consumer $consumer: cdk synth ($strength cross-stack references)"
    npx cdk synth --quiet --no-notices -c "@aws-cdk/core:defaultCrossStackReferences=$strength" -o "cdk.out.$strength" >/dev/null
    node check.js "cdk.out.$strength" "$strength"
  done
  echo "::: consumer $consumer: done in $(( SECONDS - started )) s"
  cd "$root"
done
