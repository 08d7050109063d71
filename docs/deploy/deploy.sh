#!/usr/bin/env bash
# A release on the hosts of docs/deploy.md: build the new release beside the running one,
# migrate once, then restart the processes one at a time so the portal never stops answering.
# Run as root on each web/worker host; MIGRATE=1 on exactly one of them (the first).
#   RELEASE=v1.4.0 MIGRATE=1 ./deploy.sh
set -euo pipefail
: "${RELEASE:?set RELEASE to a git tag}"
BASE=/srv/asan-portal
NEW="$BASE/releases/$RELEASE"
PORTS=${PORTS:-"8001 8002"}
WORKERS=${WORKERS:-"1 2"}
# A command as the units run it: user asan, the same environment file (parsed by systemd).
manage() {
  systemd-run --quiet --wait --pipe --collect --uid=asan --gid=asan \
    --property=EnvironmentFile=/etc/asan-portal/asan.env --working-directory="$NEW" \
    "$NEW/.venv/bin/python" manage.py "$@"
}

# 1. Build: code, virtualenv, translations, static files (collected beside the old ones: the
#    running processes keep serving their hashed names until they restart).
if [ ! -d "$NEW" ]; then
  sudo -u asan git clone --quiet --depth 1 --branch "$RELEASE" https://git.example.az/asan/asan_portal.git "$NEW"
  sudo -u asan python3.11 -m venv "$NEW/.venv"
  sudo -u asan "$NEW/.venv/bin/pip" install --quiet -r "$NEW/requirements.txt"
fi
manage compilemessages --ignore=.venv -v 0
manage collectstatic --no-input -v 0
manage check --deploy --fail-level WARNING

# 2. Migrate once, before any process runs the new code. Migrations must keep the previous
#    release working (add first, drop in a later release), since it serves until step 3 ends.
if [ "${MIGRATE:-0}" = 1 ]; then
  manage migrate --no-input
fi

# 3. Switch and restart one process at a time; nginx skips the one restarting.
ln -sfn "$NEW" "$BASE/current"
for port in $PORTS; do
  systemctl restart "asan-web@$port"
  for _ in $(seq 1 30); do
    curl -fsS --max-time 3 "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 1
  done
  curl -fsS --max-time 3 "http://127.0.0.1:$port/healthz" >/dev/null || { echo "asan-web@$port is not healthy"; exit 1; }
done
for worker in $WORKERS; do
  systemctl restart "asan-worker@$worker"   # warm shutdown: running tasks finish first
done
if systemctl is-enabled --quiet asan-beat 2>/dev/null; then
  systemctl restart asan-beat
fi
echo "Release $RELEASE is live on $(hostname)."
