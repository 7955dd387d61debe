#!/bin/sh
# Installs Debian's PostgreSQL server binaries for the PostgreSQL half of test/store.
# Idempotent: does nothing when /usr/lib/postgresql/*/bin/initdb exists. The tests start their
# own throw-away server (test/helpers/postgres.ts), so the distro's cluster must not be left running.
set -eu

for initdb in /usr/lib/postgresql/*/bin/initdb; do
  if [ -x "$initdb" ]; then
    echo "PostgreSQL already installed: $initdb"
    exit 0
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres.sh must run as root (apt-get)" >&2
  exit 1
fi

# Forbid service starts during the install (the usual container trick), unless a policy exists.
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  own_policy=yes
fi
cleanup() { [ "$own_policy" = yes ] && rm -f "$policy"; return 0; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends postgresql

# Belt and braces: stop whatever cluster the package created, and keep it from starting at boot.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version name port status rest; do
    if [ "$status" = online ]; then pg_ctlcluster "$version" "$name" stop || true; fi
  done
fi
service postgresql stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null 2>&1; then systemctl disable postgresql >/dev/null 2>&1 || true; fi

ls /usr/lib/postgresql/*/bin/initdb
echo "PostgreSQL installed; no cluster left running"
