#!/bin/sh
# Install the G8's root key pair into its SSH directory (host path paths.ssh, mounted at /root/.ssh by
# management, zero-access and the jsagent): id_rsa from the Secret, id_rsa.pub and the public key in
# authorized_keys. Keys that operators added to authorized_keys stay; each file is replaced in one step.
# Env: SSH_DIR (the directory), PRIVATE_KEY_FILE (the Secret's key file), PUBLIC_KEY (may be empty).
set -eu
dir="$SSH_DIR"
umask 077
put() {  # put MODE FILE: stdin becomes FILE
  cat > "$2.new"
  chmod "$1" "$2.new"
  mv -f "$2.new" "$2"
}
put 600 "$dir/id_rsa" < "$PRIVATE_KEY_FILE"
echo "installed $dir/id_rsa"
if [ -n "${PUBLIC_KEY:-}" ]; then
  printf '%s\n' "$PUBLIC_KEY" | put 644 "$dir/id_rsa.pub"
  touch "$dir/authorized_keys"
  chmod 600 "$dir/authorized_keys"
  if ! grep -qxF "$PUBLIC_KEY" "$dir/authorized_keys"; then
    printf '%s\n' "$PUBLIC_KEY" >> "$dir/authorized_keys"
    echo "added the G8's public key to $dir/authorized_keys"
  fi
fi
