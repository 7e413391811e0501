#!/usr/bin/env bash
# Runs CMD inside a private, throwaway OS keyring: its own D-Bus session bus with gnome-keyring's
# Secret Service on it, and a "login" keyring that is the default collection and unlocked, made
# without any prompt. Your own session bus and keyrings are never touched.
#
#   tests/stack/keyring-session.sh CMD [ARG...]
#
# Exits with CMD's status (124 if the whole session overran KEYRING_SESSION_TIMEOUT seconds,
# default 120; 1 with a message if the keyring could not be set up).
#
# Inside CMD:
#   DBUS_SESSION_BUS_ADDRESS  the private bus
#   HOME, XDG_*               a fresh temporary directory (keyrings live in
#                             $XDG_DATA_HOME/keyrings = $HOME/.local/share/keyrings)
#   AWS_LOGIN_TEST_KEYRING=1  marker: "this is the throwaway keyring" (tests check it before
#                             they write anything)
#   AWS_LOGIN_TEST_KEYRING_PASSWORD  the login keyring's password
#   PYTHON_KEYRING_BACKEND    keyring.backends.SecretService.Keyring, so Python's keyring uses
#                             the Secret Service and never a file or chained backend
#
# The steps:
#   1. mktemp -d; point HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and
#      XDG_RUNTIME_DIR (mode 0700) into it. The directory is removed at the end.
#   2. `dbus-run-session -- $0 CMD...` starts a private session bus (standard session config,
#      so D-Bus activation works as on a desktop) and runs the rest of this script on it; the
#      bus goes away when CMD ends.
#   3. `echo -n "$PASSWORD" | gnome-keyring-daemon --unlock --components=secrets` starts the
#      daemon on that bus, creates $XDG_DATA_HOME/keyrings/login.keyring with that password,
#      and leaves it unlocked; it becomes the "default" alias. The daemon daemonizes and prints
#      shell assignments (GNOME_KEYRING_CONTROL, …), which are exported.
#   4. Wait (at most 5 s) until the daemon owns org.freedesktop.secrets on the bus, then (at
#      most 5 s more) until `secret-tool store` then `secret-tool lookup` round-trips a probe
#      item through the default collection, then `secret-tool clear` removes it: proof that
#      the default collection exists and is unlocked, so nothing will prompt.
#   5. Run CMD; then stop the daemon (its pid asked from the bus) and clean up.
#
# Needs dbus (dbus-run-session, dbus-send), gnome-keyring and libsecret-tools (secret-tool):
# tests/stack/install.sh installs them.
set -euo pipefail

PASSWORD=aws-login-test-keyring

if [[ "${1:-}" != "--inside-bus" ]]; then
  (($#)) || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }
  for bin in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
    command -v "$bin" >/dev/null 2>&1 \
      || { echo "keyring-session: $bin is missing: run tests/stack/install.sh" >&2; exit 1; }
  done
  # 1. A throwaway home.
  T="$(mktemp -d "${TMPDIR:-/tmp}/aws-login-keyring.XXXXXX")"
  trap 'rm -rf "$T"' EXIT
  mkdir -p "$T/home/.local/share" "$T/home/.config" "$T/home/.cache" "$T/run"
  chmod 700 "$T/run"
  export HOME="$T/home" \
    XDG_DATA_HOME="$T/home/.local/share" \
    XDG_CONFIG_HOME="$T/home/.config" \
    XDG_CACHE_HOME="$T/home/.cache" \
    XDG_RUNTIME_DIR="$T/run"
  # Not ours to inherit: the caller's agent sockets and any other bus.
  unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
  # 2. A private session bus; everything below runs on it. `timeout` signals its whole process
  #    group, so an overrun stops CMD and the bus too.
  set +e
  timeout --kill-after=5 "${KEYRING_SESSION_TIMEOUT:-120}" \
    dbus-run-session -- "$0" --inside-bus "$@"
  rc=$?
  set -e
  exit "$rc"
fi
shift

# 3. The daemon, with an unlocked login keyring.
daemon_env="$(printf '%s' "$PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)" \
  || { echo "keyring-session: gnome-keyring-daemon --unlock failed" >&2; exit 1; }
while IFS= read -r line; do
  if [[ "$line" == *=* ]]; then export "${line?}"; fi
done <<<"$daemon_env"

# Stops the daemon this session started: the owner of org.freedesktop.secrets on our bus.
# shellcheck disable=SC2317  # runs from the EXIT trap
stop_daemon() {
  local pid
  pid="$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '{print $2}' || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]]; then kill "$pid" 2>/dev/null || true; fi
}
trap stop_daemon EXIT

# 4. Wait until the daemon owns org.freedesktop.secrets (probing earlier would D-Bus-activate a
#    second daemon), then until the default collection stores and returns a secret without
#    prompting.
owned=""
for _ in $(seq 50); do
  if dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
    | grep -q true; then
    owned=1
    break
  fi
  sleep 0.1
done
[[ -n "$owned" ]] || { echo "keyring-session: gnome-keyring-daemon did not come up" >&2; exit 1; }
ready=""
for _ in $(seq 50); do
  if printf probe | timeout 2 secret-tool store --label='keyring-session probe' \
      aws-login-keyring-session probe 2>/dev/null \
    && [[ "$(timeout 2 secret-tool lookup aws-login-keyring-session probe 2>/dev/null)" == probe ]]; then
    timeout 2 secret-tool clear aws-login-keyring-session probe 2>/dev/null || true
    ready=1
    break
  fi
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "keyring-session: the login keyring did not become usable" >&2; exit 1; }

# 5. CMD, in the keyring session.
export AWS_LOGIN_TEST_KEYRING=1
export AWS_LOGIN_TEST_KEYRING_PASSWORD="$PASSWORD"
export PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring
set +e
"$@"
rc=$?
set -e
exit "$rc"
