#!/usr/bin/env bash
# Installs kafkajs and its snappy codec, exactly as package-lock.json pins
# them, into compat/node/node_modules, where node_test.go looks for them.
# Run once per machine, as .ci/run does:
#
#	bash compat/node/install.sh
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node -e 'console.log("kafkajs", require("kafkajs/package.json").version)'
