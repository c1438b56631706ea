#!/bin/sh
# Drives an OCI runtime exactly as a containerd-style shim (go-runc) does: global flags first, runc's flag
# spelling and order, a pid file, the state JSON, a numeric signal, and errors read back from a JSON log.
# usage: runc-dropin.sh RUNTIME STATE_ROOT BUNDLE ID    (needs jq; exits non-zero naming the first failure)
set -u
rt=$1 root=$2 bundle=$3 id=$4
work=$(mktemp -d)
log=$work/log.json pidfile=$work/pid
trap 'rm -rf "$work"' EXIT
fail() { echo "runc-dropin: $*" >&2; "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1; exit 1; }
R() { "$rt" --root "$root" --log "$log" --log-format json "$@"; }
status() { R state "$id" | jq -r .status; }
wait_status() {
  i=0
  while [ "$(status)" != "$1" ]; do
    i=$((i + 1)); [ $i -lt 600 ] || fail "never became $1"; sleep 0.1
  done
}

R create --bundle "$bundle" --pid-file "$pidfile" "$id" </dev/null >/dev/null 2>&1 || fail "create failed: $(tail -n1 "$log")"
[ -s "$pidfile" ] || fail "pid file is empty"
state=$(R state "$id") || fail "state failed"
[ "$(echo "$state" | jq -r .status)" = created ] || fail "status after create: $(echo "$state" | jq -r .status)"
[ "$(echo "$state" | jq -r .pid)" = "$(cat "$pidfile")" ] || fail "state pid differs from the pid file"
[ "$(echo "$state" | jq -r .id)" = "$id" ] || fail "state id"
[ "$(echo "$state" | jq -r .bundle)" = "$bundle" ] || fail "state bundle"
echo "$state" | jq -e '.ociVersion and .created' >/dev/null || fail "state lacks ociVersion or created"

R start "$id" || fail "start failed: $(tail -n1 "$log")"
[ "$(status)" = running ] || fail "status after start: $(status)"
R ps --format json "$id" | jq -e --argjson pid "$(cat "$pidfile")" 'index($pid) != null' >/dev/null || fail "ps does not list the init"
R list --format json | jq -e --arg id "$id" 'map(.id) | index($id) != null' >/dev/null || fail "list does not show the container"

R kill "$id" 9 || fail "kill failed: $(tail -n1 "$log")"
wait_status stopped
R delete "$id" || fail "delete failed: $(tail -n1 "$log")"
R state "$id" >/dev/null 2>&1 && fail "state of a deleted container succeeded"

: >"$log"
R start "$id" >/dev/null 2>&1 && fail "start of a missing container succeeded"
tail -n1 "$log" | jq -e '.level == "error" and (.msg | length > 0)' >/dev/null || fail "no JSON error in --log"
R delete --force "$id" || fail "delete --force of a missing container failed"
echo "runc-dropin: ok"
