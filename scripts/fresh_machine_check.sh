#!/usr/bin/env bash
# Runs README's first commands the way a new user would: on a pristine
# Debian 12 root (debootstrap), from a clean clone of HEAD with ../shared
# beside it, inside a chroot. Catches install steps that only work because
# this machine already has some package (issue 6: libdnnl-dev's CMake config
# needs ocl-icd-opencl-dev, which --no-install-recommends left out).
#
#   scripts/fresh_machine_check.sh                      README's commands, one after the other
#   scripts/fresh_machine_check.sh 'make setup && make run'   only these command(s)
#   options: --rev REV (default HEAD)  --rebuild-base  --keep (keep the run folder)
# A command that runs `make run` (which serves until stopped) passes when the
# server answers /health and POST /v1/embeddings on $FRESH_SERVE_PORT (18080)
# and then exits 0 on SIGTERM.
#            --base-only (just build the cached root)
#
# Needs root (debootstrap, mount, chroot) and the network this machine has to
# Debian's mirror, npm and PyPI. Nothing else is reached: the chroot shares the
# machine's network and sees none of its files but the clone and shared/.
# State lives in $FRESH_DIR (default /var/tmp/textembed-fresh): base/ is the
# cached debootstrap root; each run works on an overlay (or a copy) of it in
# runs/<stamp>/, removed after a passing run unless --keep.
set -euo pipefail
# The whole script is one block, parsed before it runs: editing this file
# while a (long) check runs cannot change what that check does.
{

REPO=$(cd "$(dirname "$0")/.." && pwd)
FRESH_DIR=${FRESH_DIR:-/var/tmp/textembed-fresh}
SUITE=bookworm
# What every machine a user clones on has and a minbase debootstrap lacks:
# certificates (npm/pip over https), git (they cloned) and make (README's
# commands are make targets, and Debian 12 images do not ship it).
BASE_PACKAGES=${FRESH_BASE_PACKAGES:-ca-certificates,git,make}
# The CA variables of this machine, passed into the chroot when set.
CA_VARS=(NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR PIP_CERT REQUESTS_CA_BUNDLE CURL_CA_BUNDLE
  GIT_SSL_CAINFO AWS_CA_BUNDLE HTTPLIB2_CA_CERTS GRPC_DEFAULT_SSL_ROOTS_FILE_PATH NIX_SSL_CERT_FILE
  CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE npm_config_cafile NPM_CONFIG_CAFILE)
PROXY_VARS=(http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY)

original_args=("$@")
rev=HEAD rebuild_base=0 keep=0 base_only=0 commands=()
while (($#)); do
  case "$1" in
    --rev) rev=$2; shift 2 ;;
    --rebuild-base) rebuild_base=1; shift ;;
    --keep) keep=1; shift ;;
    --base-only) base_only=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    --) shift; commands+=("$@"); break ;;
    -*) echo "fresh-check: unknown option $1" >&2; exit 2 ;;
    *) commands+=("$1"); shift ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then exec sudo --preserve-env "$0" "${original_args[@]}"; fi
for tool in debootstrap chroot git mount; do
  command -v "$tool" >/dev/null || { echo "fresh-check: needs $tool (apt-get install debootstrap)" >&2; exit 2; }
done

log() { printf '[fresh-check %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
# The port `make run` serves on inside the chroot (it shares this machine's network).
SERVE_PORT=${FRESH_SERVE_PORT:-18080}
# SIGTERM to the `textembed serve` processes whose root is the chroot.
stop_served_processes() {
  local pid
  for pid in $(pgrep -f 'textembed serve' || true); do
    [[ $(readlink "/proc/$pid/root" 2>/dev/null) == "$root" ]] && kill -TERM "$pid"
  done
  return 0
}
now() { date +%s; }
duration() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

mkdir -p "$FRESH_DIR/runs"
exec 9>"$FRESH_DIR/lock"
flock -n 9 || { echo "fresh-check: another check holds $FRESH_DIR/lock" >&2; exit 2; }

# --- the machine's Debian mirror -------------------------------------------
# First URI serving the plain suite, from one-line (.list) or deb822 (.sources) files.
debian_uri() {  # $1: suite
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -E 's/\[[^]]*\]//' "$f" | awk -v s="$1" '$1 == "deb" && $3 == s { print $2; exit }' 
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822 stanzas are separated by blank lines; fields may come in any order.
    awk -v s="$1" 'function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && uris != "" && enabled != "no") { split(uris, u, " "); print u[1]; found = 1 } types = suites = uris = ""; enabled = "" }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = tolower($0) }
      END { if (!found) flush() }' "$f"
  done
}
MIRROR=$(debian_uri "$SUITE" | head -n1)
SECURITY=$(debian_uri "$SUITE-security" | head -n1)
[[ -n $MIRROR ]] || { echo "fresh-check: no '$SUITE' entry in this machine's apt sources" >&2; exit 2; }

# --- cached base root --------------------------------------------------------
base="$FRESH_DIR/base"
if ((rebuild_base)) || [[ ! -f $base/.textembed-base ]]; then
  log "debootstrap $SUITE (minbase + $BASE_PACKAGES) from $MIRROR"
  rm -rf "$base" "$base.tmp"
  t0=$(now)
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$base.tmp" "$MIRROR" \
    >"$FRESH_DIR/debootstrap.log" 2>&1 || { tail -n 30 "$FRESH_DIR/debootstrap.log"; exit 1; }
  # The apt sources a Debian 12 install has: main, updates, security.
  {
    echo "deb $MIRROR $SUITE main"
    echo "deb $MIRROR $SUITE-updates main"
    if [[ -n $SECURITY ]]; then echo "deb $SECURITY $SUITE-security main"; fi
  } >"$base.tmp/etc/apt/sources.list"
  rm -f "$base.tmp/var/cache/apt/archives/"*.deb
  printf 'suite=%s\nmirror=%s\nsecurity=%s\npackages=%s\nbuilt=%s\n' "$SUITE" "$MIRROR" "$SECURITY" \
    "$BASE_PACKAGES" "$(date -u +%FT%TZ)" >"$base.tmp/.textembed-base"
  mv "$base.tmp" "$base"
  log "base ready in $(duration $(($(now) - t0))) ($(du -sh "$base" | cut -f1))"
fi
((base_only)) && exit 0

# --- this run: an overlay on the base (a copy where overlayfs is missing) ---
stamp=$(date -u +%Y%m%dT%H%M%SZ)
run="$FRESH_DIR/runs/$stamp"
root="$run/root"
mkdir -p "$run/upper" "$run/work" "$root" "$run/logs"
mounts=()  # mounted paths, unmounted in reverse order on exit

cleanup() {
  local rc=$? pid i
  # Processes still running inside the chroot (an interrupted build) hold the
  # mounts: end them first, by id.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ $(readlink "/proc/$pid/root" 2>/dev/null) == "$root"* ]] && kill -9 "$pid" 2>/dev/null || true
  done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null || echo "fresh-check: could not unmount ${mounts[i]}" >&2
  done
  if ((rc == 0 && !keep)); then rm -rf "$run"; elif [[ -d $run ]]; then echo "fresh-check: run folder kept: $run" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount_at() {  # mount_at TARGET mount-args...
  local target=$1; shift
  mount "$@" "$target"
  mounts+=("$target")
}

if mount_at "$root" -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" 2>/dev/null; then
  log "run $stamp: overlay on the cached base"
else
  log "run $stamp: overlayfs unavailable, copying the base"
  cp -a "$base/." "$root/"
fi

# A minimal /dev of its own rather than the machine's.
mount_at "$root/proc" -t proc proc
mount_at "$root/sys" -t sysfs -o ro sysfs
mount_at "$root/dev" -t tmpfs -o mode=755,nosuid tmpfs
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$node"
  mknod -m 666 "$root/dev/$name" c "$major" "$minor" 2>/dev/null \
    || { touch "$root/dev/$name"; mount_at "$root/dev/$name" --bind "/dev/$name"; }
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount_at "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666 devpts
ln -s pts/ptmx "$root/dev/ptmx"
mount_at "$root/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev tmpfs
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"

# The machine's network settings: name servers, apt proxy/validity options.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
cp -L /etc/hosts "$root/etc/hosts" 2>/dev/null || true
apt-config dump 2>/dev/null | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' \
  >"$root/etc/apt/apt.conf.d/99fresh-check-host-network" || true

# Local CA certificates (those update-ca-certificates added here), installed
# the same way, so the chroot trusts what this machine trusts.
if compgen -G "/usr/local/share/ca-certificates/*" >/dev/null; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || log "warning: update-ca-certificates failed in the chroot"
fi
chroot_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
  TERM="${TERM:-dumb}")
for var in "${CA_VARS[@]}" "${PROXY_VARS[@]}"; do
  [[ -n ${!var:-} ]] || continue
  chroot_env+=("$var=${!var}")
  # A CA file the chroot lacks (not one update-ca-certificates made): copy it.
  if [[ $var != *proxy* && $var != *PROXY* && -f ${!var} && ! -e $root${!var} ]]; then
    mkdir -p "$(dirname "$root${!var}")"; cp -L "${!var}" "$root${!var}"
  fi
done

# A clean clone of the revision, and shared/ beside it, as README lays them out.
commit=$(git -C "$REPO" rev-parse --verify "$rev^{commit}")
mkdir -p "$root/work"
git clone -q --no-hardlinks "$REPO" "$root/work/textembed"
git -C "$root/work/textembed" checkout -q --detach "$commit"
if [[ -d $REPO/../shared ]]; then
  cp -a "$REPO/../shared/." "$root/work/shared/"
else
  log "warning: no ../shared beside $REPO"
fi

if ((${#commands[@]} == 0)); then
  # The indented block after "On a fresh Debian 12 machine" in README.md, comments stripped.
  mapfile -t commands < <(awk '/fresh Debian 12 machine/ { f = 1; next }
    f && /^    [^ ]/ { sub(/^    /, ""); sub(/[ \t]+#.*$/, ""); print; got = 1; next }
    f && got { exit }' "$root/work/textembed/README.md")
  ((${#commands[@]})) || { echo "fresh-check: no commands found in README.md; pass them as arguments" >&2; exit 2; }
fi

log "commit $(git -C "$REPO" log -1 --format='%h %s' "$commit")"
log "mirror $MIRROR; CA certs: $(ls /usr/local/share/ca-certificates 2>/dev/null | tr '\n' ' ')"
results=() overall=0 i=0
for command in "${commands[@]}"; do
  i=$((i + 1))
  log "\$ $command   (log: $run/logs/$i.log)"
  t0=$(now)
  set +e
  if [[ $command == *"make run"* ]]; then
    # `make run` serves until stopped: it passes when the server answers
    # /health and an embedding request, then exits 0 on SIGTERM.
    chroot "$root" /usr/bin/env -i "${chroot_env[@]}" TEXTEMBED_PORT=$SERVE_PORT TEXTEMBED_METRICS_PORT=0 \
      /bin/bash -c "cd /work/textembed && $command" >"$run/logs/$i.log" 2>&1 &
    runner=$!
    served=0
    while kill -0 "$runner" 2>/dev/null; do
      if curl -sf "http://127.0.0.1:$SERVE_PORT/health" >/dev/null 2>&1; then
        reply=$(curl -s "http://127.0.0.1:$SERVE_PORT/v1/embeddings" -d '{"input":["hello fresh machine"]}')
        if [[ $reply == *'"embedding":['* ]]; then served=1; log "served: ${reply:0:120}…"; else log "bad reply: $reply"; fi
        stop_served_processes
        break
      fi
      sleep 5
    done
    wait "$runner"; rc=$?
    cat "$run/logs/$i.log"
    ((served)) || { log "the server never answered"; ((rc != 0)) || rc=1; }
  else
    chroot "$root" /usr/bin/env -i "${chroot_env[@]}" /bin/bash -c "cd /work/textembed && $command" 2>&1 \
      | tee "$run/logs/$i.log"
    rc=${PIPESTATUS[0]}
  fi
  set -e
  took=$(duration $(($(now) - t0)))
  if ((rc == 0)); then verdict=PASS; else verdict="FAIL (exit $rc)"; overall=1; fi
  # A newcomer cannot tell compiler warnings from real problems: count them.
  warnings=$(grep -c 'warning:' "$run/logs/$i.log" || true)
  results+=("$verdict  $took  $command  ($warnings lines with 'warning:')")
  log "$verdict in $took: $command"
  ((rc == 0)) || break  # README's commands build on each other
done

echo
echo "fresh-check summary (commit ${commit:0:10}, Debian $SUITE from $MIRROR):"
printf '  %s\n' "${results[@]}"
printf '%s commit %s\n%s\n' "$stamp" "${commit:0:10}" "$(printf '  %s\n' "${results[@]}")" >>"$FRESH_DIR/results.txt"
exit $overall
}
