#!/usr/bin/env bash
# Installs kafka-python (pinned in requirements.txt) into compat/python/.venv,
# where python_test.go looks for it. Run once per machine, as .ci/run does:
#
#	bash compat/python/install.sh
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install -q -r requirements.txt
.venv/bin/python -c 'import kafka; print("kafka-python", kafka.__version__)'
