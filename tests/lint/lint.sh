#!/usr/bin/env bash
# Style checks the compiler does not make (STYLE.md 13): banned calls, and include arrows that
# DESIGN.md forbids. Usage: lint.sh REPO_ROOT. Prints each violation; exits 1 on any.
set -u
root=${1:?usage: lint.sh REPO_ROOT}
cd "$root" || exit 2
fail=0

# Banned calls: unbounded or non-reentrant C library functions.
banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\('
while IFS= read -r hit; do
  echo "banned call: $hit"; fail=1
done < <(grep -rnE "$banned" --include='*.c' --include='*.h' --exclude-dir=node_modules base knowledge router cloud skills server clients tests 2>/dev/null \
         | grep -vE '^\S+:[0-9]+:\s*(//|/?\*)')

# Include arrows: which of our folders each folder may include (besides itself and base).
allowed() {
  case "$1" in
    base) echo "" ;;
    knowledge) echo "" ;;
    router) echo "knowledge" ;;
    cloud) echo "" ;;
    skills) echo "cloud knowledge" ;;
    server) echo "skills cloud knowledge router" ;;
    clients) echo "" ;;
  esac
}
for dir in base knowledge router cloud skills server clients; do
  [ -d "$dir" ] || continue
  ok=$(allowed "$dir")
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(printf '%s' "$line" | sed -nE 's/.*#[[:space:]]*include[[:space:]]*"([a-z_]+)\/.*/\1/p')
    [ -n "$inc" ] || continue
    [ "$inc" = "$dir" ] || [ "$inc" = base ] && continue
    case " $ok " in *" $inc "*) continue ;; esac
    echo "forbidden include: $file includes $inc/ (DESIGN.md layering)"; fail=1
  done < <(grep -rnE '#[[:space:]]*include[[:space:]]*"[a-z_]+/' --include='*.c' --include='*.h' "$dir")
done

# Only a folder's public header may be included from another folder.
public_header() {
  case "$1" in
    base) echo "base/base.h" ;; knowledge) echo "knowledge/kb.h" ;; router) echo "router/router.h" ;;
    cloud) echo "cloud/cloud.h cloud/sim/sim.h" ;; skills) echo "skills/skills.h" ;;
    server) echo "server/mcp.h" ;;
  esac
}
for dir in knowledge router skills server clients; do
  [ -d "$dir" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    path=$(printf '%s' "$line" | sed -nE 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p')
    other=${path%%/*}
    [ "$other" = "$dir" ] && continue
    case " $(public_header "$other") " in *" $path "*) continue ;; esac
    echo "private header: $file includes $path (use $(public_header "$other"))"; fail=1
  done < <(grep -rnE '#[[:space:]]*include[[:space:]]*"[a-z_]+/[^"]+"' --include='*.c' --include='*.h' "$dir")
done

[ $fail = 0 ] && echo "lint: clean"
exit $fail
