#!/usr/bin/env bash
# --ecs-endpoint, --vpc-endpoint, --replica-id and --confirm-spent-dir as a user meets them:
# bad values are refused with exit 2 naming the flag; endpoints with --backend sim, plain http
# to a non-loopback host and endpoints of two schemes are refused at start (exit 1) before any
# request is sent (those hosts are never contacted: the checks come first); a good set starts
# against an external simulator and says where it points. Usage: endpoint_flags.sh SKILLD
set -u
bin=${1:?usage: endpoint_flags.sh SKILLD}
fail=0
creds=(env ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIflagtest ALIBABA_CLOUD_ACCESS_KEY_SECRET=flag-test-secret)

# expect CODE PATTERN ARGS...: skilld ARGS exits CODE and stderr matches PATTERN (a glob).
expect() {
  local want=$1 pat=$2
  shift 2
  local err rc
  err=$(timeout 20 "${creds[@]}" "$bin" "$@" --log-level warn </dev/null 2>&1 >/dev/null)
  rc=$?
  # shellcheck disable=SC2254
  case "$err" in $pat) ;; *) echo "FAIL skilld $*: stderr '$err' does not match '$pat'"; fail=1; return ;; esac
  if [ "$rc" != "$want" ]; then echo "FAIL skilld $*: exit $rc, want $want"; fail=1; return; fi
  echo "ok   skilld $* -> $rc"
}

expect 2 "*invalid --ecs-endpoint*" serve --backend aliyun --ecs-endpoint 127.0.0.1:0
expect 2 "*invalid --ecs-endpoint*" serve --backend aliyun --ecs-endpoint 'http://127.0.0.1:9090/path'
expect 2 "*invalid --vpc-endpoint*" stdio --backend aliyun --vpc-endpoint ''
expect 2 "*invalid --replica-id*" serve --replica-id 'two words'
expect 2 "*invalid --replica-id*" stdio --replica-id "$(printf 'r%.0s' $(seq 1 65))"
expect 2 "*invalid --confirm-spent-dir*" serve --confirm-spent-dir ''
expect 1 "*apply to --backend aliyun*" serve --listen 127.0.0.1:0 --ecs-endpoint 127.0.0.1:9
expect 1 "*plain http is allowed only to loopback hosts*" serve --listen 127.0.0.1:0 --backend aliyun --ecs-endpoint http://ecs.example.invalid:80
expect 1 "*must use the same scheme*" stdio --backend aliyun --ecs-endpoint 127.0.0.1:9 --vpc-endpoint https://vpc.example.invalid

# A good set against an external simulator: started, pointed there, replica named.
out=$(mktemp)
trap 'rm -f "$out"; [ -n "${sim:-}" ] && kill "$sim" 2>/dev/null' EXIT
"$bin" sim --listen 127.0.0.1:0 --access-key-id LTAIflagtest --access-key-secret flag-test-secret >"$out" 2>&1 &
sim=$!
for _ in $(seq 1 100); do grep -q listening "$out" && break; sleep 0.05; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out" | head -n1)
log=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' |
      timeout 20 "${creds[@]}" "$bin" stdio --backend aliyun --ecs-endpoint "127.0.0.1:$port" --replica-id flags-1 2>&1 >/dev/null)
for want in "replica flags-1" "backend aliyun at http://127.0.0.1:$port (ECS), http://127.0.0.1:$port (VPC)" \
            "backend aliyun ok: 3 regions visible"; do
  case "$log" in *"$want"*) echo "ok   stdio log: $want" ;; *) echo "FAIL stdio log lacks '$want': $log"; fail=1 ;; esac
done
[ $fail = 0 ] && echo "endpoint flags: all good"
exit $fail
