#!/usr/bin/env bash
# Installs what zkconsole's sandbox and tests need, when missing: ZooKeeper (Debian's package,
# which brings Java), tmux (for the end-to-end terminal test) and openssl (certificates for
# the TLS test). Safe to run repeatedly.
set -euo pipefail

need=()
if [ -z "${ZOOKEEPER_CLASSPATH:-}" ] && [ -z "${ZOOKEEPER_HOME:-}" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then
  need+=(zookeeper)
fi
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The host-action tests run a real OpenSSH server on a loopback port.
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} with apt-get" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package enables a system service on some images; the sandbox runs its own members.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop zookeeper >/dev/null 2>&1 || true
  # The tests start their own sshd on a loopback port; the system's is not needed.
  systemctl stop ssh >/dev/null 2>&1 || true
fi
