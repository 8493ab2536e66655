#!/usr/bin/env bash
# Starts the action server and the Rasa server (called by `make run`, which has set up the
# venv, the database and the model). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MODEL:?MODEL must name the trained model (make run sets it)}"
mkdir -p var
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/python -m actions.server > var/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --enable-api --auth-token "$RASA_API_TOKEN" --port "$RASA_PORT" --cors "*" > var/rasa.log 2>&1 &
pids+=($!)

echo "waiting for the assistant to load (logs: var/rasa.log, var/actions.log) ..."
for _ in $(seq 1 180); do
  if curl -sf "http://127.0.0.1:$RASA_PORT/status?token=$RASA_API_TOKEN" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a server stopped; see var/*.log"; exit 1; }; done
  sleep 1
done
cat <<MSG

The assistant is running:
  REST channel   POST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
                 {"sender": "me", "message": "我失业了还不上", "metadata": {"token": "..."}}
  Web chat       http://127.0.0.1:$RASA_PORT/chat/#token=...
  Agent console  http://127.0.0.1:$RASA_PORT/agent/
  Editors' review http://127.0.0.1:$RASA_PORT/review/
  Demo sign-in   http://127.0.0.1:$RASA_PORT/demo/  (only with BOT_DEMO=1)
  HTTP API       http://127.0.0.1:$RASA_PORT/  (token: RASA_API_TOKEN=$RASA_API_TOKEN)
  Action server  http://127.0.0.1:$ACTION_PORT/health
  Demo borrowers .venv/bin/python -m bot demo-borrowers
  A token        BOT_ENV=development .venv/bin/python -m bot demo-token demo-m1
Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
