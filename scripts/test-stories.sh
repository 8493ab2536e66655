#!/usr/bin/env bash
# Test stories: whole conversations (text → NLU → next action) against the trained model.
# Fails on any wrong prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MODEL:?MODEL must name the trained model}"
rm -rf results/stories
.venv/bin/rasa test core --model "$MODEL" --stories tests/stories \
  --out results/stories --fail-on-prediction-errors --no-plot
echo "test stories: all predictions correct"
