#!/bin/sh
# Prepare the G8's host directories on this controller, or with --check only verify them.
# Each line of $DIRECTORIES is `MODE UID:GID SCOPE PATH` (mode in octal as `stat -c %a` prints it; SCOPE `-R`
# also gives everything inside to that owner, `-` only the directory); the host's paths are seen below
# $HOST_ROOT. Parents come before their subdirectories.
# --check prints one line per directory that is missing or differs, and fails if there is any.
set -eu
root="${HOST_ROOT:-/host}"
list="${DIRECTORIES:-/config/directories}"
check=false
[ "${1:-}" = "--check" ] && check=true
status=0
while read -r mode owner scope path; do
  [ -n "$path" ] || continue
  dir="$root$path"
  if $check; then
    actual=$(stat -c '%a %u:%g' "$dir" 2>/dev/null) || { echo "$path: missing"; status=1; continue; }
    if [ "$actual" != "$mode $owner" ]; then
      echo "$path: mode and owner $actual, expected $mode $owner"
      status=1
    fi
  else
    mkdir -p "$dir"
    if [ "$scope" = "-R" ]; then chown -R "$owner" "$dir"; else chown "$owner" "$dir"; fi
    chmod "$mode" "$dir"
    echo "$path: $mode $owner"
  fi
done < "$list"
exit $status
