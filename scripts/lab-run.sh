#!/usr/bin/env bash
# Runs one command inside the Debian sid lab (scripts/provision-lab.sh), for
# tests, the bench and the demo alike:
#   lab-run.sh [--bind HOST[:INSIDE]]... [--ro-bind HOST[:INSIDE]]... [--cwd DIR]
#              [--env NAME=VALUE]... [--] COMMAND [ARG...]
# - A private mount namespace (unshare -m, private propagation): nothing mounted
#   here is seen by the host, and it all goes away with the command.
# - /proc mounted, /dev bound recursively; /tmp and /root are fresh tmpfs per
#   run, so a run leaves nothing in the root and sees nothing of the last one.
#   Only the bound host paths are shared (INSIDE defaults to HOST's own path).
# - env -i: the command sees PATH, HOME=/root, LANG and the --env values only.
# - Every step execs the next, so the command's exit status and signals are
#   this script's own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/tools-env.sh"

fail() { printf 'lab-run: error: %s\n' "$*" >&2; exit 125; }

root="$HCL_LAB_ROOT"
if [ ! -f "$root/etc/hcl-lab/recipe" ]; then
  fail "no complete lab at $root; run 'npm run provision' (as root)"
fi
if [ "${1:-}" != --in-namespace ]; then
  [ "$(id -u)" = 0 ] || fail "the lab needs root (mount namespace, chroot)"
  exec unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" --in-namespace "$@"
fi
shift

binds=() cwd=/ envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bind | --ro-bind)
      [ $# -ge 2 ] || fail "$1 needs HOST[:INSIDE]"
      binds+=("$1" "$2"); shift 2 ;;
    --cwd)
      [ $# -ge 2 ] || fail "--cwd needs a directory"
      cwd="$2"; shift 2 ;;
    --env)
      [ $# -ge 2 ] && [[ "$2" == [A-Za-z_]*=* ]] || fail "--env needs NAME=VALUE"
      envs+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) fail "unknown option $1; see the usage at the top of scripts/lab-run.sh" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || fail "no command given"

mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o mode=0700 tmpfs "$root/root"

for ((i = 0; i < ${#binds[@]}; i += 2)); do
  kind="${binds[i]}" spec="${binds[i + 1]}"
  host="${spec%%:*}"
  inside="${spec#*:}"
  [ "$spec" = "$host" ] && inside="$host"
  [ -e "$host" ] || fail "cannot bind $host: it does not exist"
  [[ "$inside" == /* ]] || fail "bind target $inside must be an absolute path"
  target="$root$inside"
  if [ -d "$host" ]; then
    mkdir -p "$target"
  else
    mkdir -p "$(dirname "$target")"
    [ -e "$target" ] || : >"$target"
  fi
  mount --rbind "$host" "$target"
  if [ "$kind" = --ro-bind ]; then mount -o remount,bind,ro "$target"; fi
done

exec chroot "$root" /usr/bin/env -i -C "$cwd" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  "${envs[@]}" "$@"
