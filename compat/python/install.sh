#!/usr/bin/env bash
# Installs kafka-python and confluent-kafka (librdkafka's binding), pinned in
# requirements.txt, into compat/python/.venv, where python_test.go and
# librdkafka_test.go look for them. Run once per machine, as .ci/run does:
#
#	bash compat/python/install.sh
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install -q -r requirements.txt
.venv/bin/python -c 'import kafka; print("kafka-python", kafka.__version__)'
.venv/bin/python -c 'import confluent_kafka as c; print("confluent-kafka", c.version(), "librdkafka", c.libversion()[0])'
