#!/usr/bin/env bash
# Style checks the compiler does not make (STYLE.md 13): banned calls, and the arrows that
# DESIGN.md draws, in the includes (each module includes only what it may use, and only
# through public headers) and in the build (each module's CMakeLists.txt links only what it
# may use). Usage: lint.sh REPO_ROOT. Prints each violation; exits 1 on any.
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

# ---- Modules ---------------------------------------------------------------------------------
# A module is a folder of the tree; server/ is three (its rooms). cloud/sim belongs to cloud.
# To add a module: a row in each table below (its arrows, public headers and libraries).
modules="base knowledge router cloud skills server/mcp server/http server/app clients"

# The module a path (a file, or an include path) belongs to, or nothing if it is none of ours.
module_of() {
  case "$1" in
    server/mcp/*) echo server/mcp ;;
    server/http/*) echo server/http ;;
    server/app/*) echo server/app ;;
    server/*) echo server ;; # a file left directly in server/ belongs to no room
    base/* | knowledge/* | router/* | cloud/* | skills/* | clients/*) echo "${1%%/*}" ;;
  esac
}

# The arrows: which modules each module may use, besides itself and base (DESIGN.md).
allowed() {
  case "$1" in
    base | knowledge | cloud | server/mcp | clients) echo "" ;;
    router) echo "knowledge" ;;
    skills) echo "cloud knowledge" ;;
    server/http) echo "server/mcp" ;;
    server/app) echo "server/http server/mcp skills router cloud knowledge" ;;
  esac
}

# The headers other modules may include.
public_header() {
  case "$1" in
    base) echo "base/base.h" ;; knowledge) echo "knowledge/kb.h" ;; router) echo "router/router.h" ;;
    cloud) echo "cloud/cloud.h cloud/sim/sim.h" ;; skills) echo "skills/skills.h" ;;
    server/mcp) echo "server/mcp/mcp.h" ;; server/http) echo "server/http/http.h" ;;
  esac
}

# The static libraries each module builds, as CMake names them.
module_of_library() {
  case "$1" in
    base | knowledge | router | skills) echo "$1" ;;
    cloud | cloud_sim) echo cloud ;;
    server_mcp) echo server/mcp ;; server_http) echo server/http ;; server_app) echo server/app ;;
  esac
}

# Nothing may sit directly in server/: every server file lives in one of its rooms.
while IFS= read -r f; do
  echo "outside the rooms: $f (server/ holds only mcp/, http/ and app/)"; fail=1
done < <(find server -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null)

# ---- Include arrows and public headers ---------------------------------------------------------
for mod in $modules; do
  [ -d "$mod" ] || continue
  ok=$(allowed "$mod")
  while IFS= read -r line; do
    file=${line%%:*}
    path=$(printf '%s' "$line" | sed -nE 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p')
    inc=$(module_of "$path")
    [ -n "$inc" ] || continue
    [ "$inc" = "$mod" ] && continue
    if [ "$inc" != base ]; then
      case " $ok " in
        *" $inc "*) ;;
        *) echo "forbidden include: $file includes $path ($mod may not use $inc; DESIGN.md layering)"; fail=1; continue ;;
      esac
    fi
    case " $(public_header "$inc") " in *" $path "*) continue ;; esac
    echo "private header: $file includes $path (use $(public_header "$inc"))"; fail=1
  done < <(grep -rnE '#[[:space:]]*include[[:space:]]*"[a-z_]+/[^"]+"' --include='*.c' --include='*.h' "$mod")
done

# ---- Link arrows --------------------------------------------------------------------------------
# Every library named in a module's target_link_libraries must be one it may use.
for mod in $modules; do
  [ -d "$mod" ] || continue
  ok=$(allowed "$mod")
  while IFS= read -r cm; do
    # Each target_link_libraries(...) call on one line, then its words.
    calls=$(tr '\n' ' ' <"$cm" | grep -oE 'target_link_libraries\([^)]*\)')
    for word in $(printf '%s\n' "$calls" | sed -E 's/target_link_libraries\(//; s/\)//'); do
      lib=$(module_of_library "$word")
      [ -n "$lib" ] || continue
      [ "$lib" = "$mod" ] || [ "$lib" = base ] && continue
      case " $ok " in *" $lib "*) continue ;; esac
      echo "forbidden link: $cm links $word ($mod may not use $lib; DESIGN.md layering)"; fail=1
    done
  done < <(find "$mod" -name CMakeLists.txt -not -path '*/node_modules/*')
done

[ $fail = 0 ] && echo "lint: clean"
exit $fail
