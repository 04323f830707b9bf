#!/usr/bin/env bash
# Installs, through Debian's packages, what the local stack and the tests need and the machine
# lacks: Java 17 and Maven (to fetch and run Kafka), the PostgreSQL server. Quiet when all is there.
set -euo pipefail

need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v runuser >/dev/null || need+=(util-linux)
# Extra packages a later part of the suite declares, one per line (browser, fonts …).
if [[ -f deploy/local/system-packages.txt ]]; then
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done < deploy/local/system-packages.txt
fi

((${#need[@]} == 0)) && exit 0
echo "Installing with apt-get: ${need[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "run as root or install: ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
