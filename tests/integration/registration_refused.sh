#!/usr/bin/env bash
# skilld serve and skilld stdio refuse to start when an MCP registration fails: exit status 1
# and a message on stderr that names the refused row. The failure is provoked as a user could:
# --knowledge DIR whose product folder is named "ecs two", so the skill resources'
# URIs (skill://ecs two/...) are not URIs. The same files under "ecs" start fine (control).
# Usage: registration_refused.sh SKILLD KNOWLEDGE_PRODUCT_DIR
set -u
bin=${1:?usage: registration_refused.sh SKILLD KNOWLEDGE_PRODUCT_DIR}
src=${2:?usage: registration_refused.sh SKILLD KNOWLEDGE_PRODUCT_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bad/ecs two" "$tmp/good/ecs"
cp "$src"/*.json "$tmp/bad/ecs two/"
cp "$src"/*.json "$tmp/good/ecs/"
sed -i -E 's/"product": *"ecs"/"product": "ecs two"/' "$tmp/bad/ecs two/_product.json"
fail=0

for sub in serve stdio; do
  extra=()
  [ "$sub" = serve ] && extra=(--listen 127.0.0.1:0)
  # A server that wrongly starts would run until killed: the timeout turns that into 124.
  err=$(timeout 30 "$bin" "$sub" "${extra[@]}" --log-level off --knowledge "$tmp/bad" </dev/null 2>&1 >/dev/null)
  rc=$?
  if [ $rc != 1 ]; then
    echo "FAIL skilld $sub with a refused registration: exit $rc, want 1 (stderr: $err)"; fail=1
  fi
  case "$err" in
    *"skilld $sub: resource 'skill://ecs two/"*"': not a URI"*) echo "ok   skilld $sub refuses: $err" ;;
    *) echo "FAIL skilld $sub: stderr does not name the refused row: $err"; fail=1 ;;
  esac
done

# Control: the same files under their own name register, and stdio ends cleanly at EOF.
err=$(timeout 30 "$bin" stdio --log-level off --knowledge "$tmp/good" </dev/null 2>&1 >/dev/null)
rc=$?
if [ $rc != 0 ]; then
  echo "FAIL control: skilld stdio on good knowledge exited $rc: $err"; fail=1
else
  echo "ok   control: skilld stdio on good knowledge starts and ends"
fi
exit $fail
