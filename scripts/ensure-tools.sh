#!/usr/bin/env bash
# Make sure the external tools the tests and benchmarks drive (consul, grpcurl,
# ghz, promtool) are available, building them with Go when they are not.
#
#   bash scripts/ensure-tools.sh [consul] [grpcurl] [ghz] [promtool]   # none = all four
#
# For each requested tool exactly one line `name=/absolute/path` goes to stdout
# (test/support/tools.ts parses it); everything else goes to stderr.
#
# Lookup order per tool:
#   1. $CONSUL_BIN / $GRPCURL_BIN / $GHZ_BIN / $PROMTOOL_BIN
#   2. the cache: ${FLIGHT_MESH_TOOLS:-$HOME/.cache/flight-mesh/tools}/bin/<name>-<version>
#   3. `command -v <name>`
#   4. build it with Go into the cache
#
# The cache sits outside the repository so clean checkouts, CI clones and every
# worktree share one build; the file name carries the pinned version so that
# bumping a pin below forces a rebuild instead of silently reusing the old one.
set -euo pipefail

GRPCURL_PKG=github.com/fullstorydev/grpcurl/cmd/grpcurl
GRPCURL_VERSION=v1.9.3

GHZ_PKG=github.com/bojand/ghz/cmd/ghz
GHZ_VERSION=v0.120.0

# Prometheus publishes its Go module as v0.<major><minor>.<patch>: v0.316.0 is
# Prometheus 3.16.0, the same release as the prom/prometheus image in
# docker-compose.yml (test/deploy/prometheus.test.ts keeps the two in step).
PROMTOOL_PKG=github.com/prometheus/prometheus/cmd/promtool
PROMTOOL_VERSION=v0.316.0

CONSUL_MODULE=github.com/hashicorp/consul
CONSUL_VERSION=v1.21.0
# Consul's go.mod points these nested modules at ./api, ./sdk, ... via replace
# directives, but a module zip from the proxy never contains nested modules, so
# they have to come from the proxy as real versions instead. These are exactly
# the versions consul v1.21.0's own go.mod requires; the newer tags cut with the
# release (api v1.32.x, proto-public v0.7.x, envoyextensions v0.8.x, ...) are
# not all served by the module proxy this project uses, and these compile.
# Change them together with CONSUL_VERSION.
CONSUL_SUBMODULES=(
  github.com/hashicorp/consul/api@v1.31.2
  github.com/hashicorp/consul/envoyextensions@v0.7.3
  github.com/hashicorp/consul/proto-public@v0.6.2
  github.com/hashicorp/consul/sdk@v0.16.1
  github.com/hashicorp/consul/troubleshoot@v0.7.1
)

TOOLS_DIR=${FLIGHT_MESH_TOOLS:-$HOME/.cache/flight-mesh/tools}
BIN_DIR=$TOOLS_DIR/bin

log() { printf 'ensure-tools: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# Build dirs still around when the script exits (a failed or interrupted
# build) are removed on the way out.
TMP_DIRS=()
remove_dir() {
  # Copies out of the module cache are read-only; make them removable.
  chmod -R u+w "$1" 2>/dev/null || true
  rm -rf "$1"
}
cleanup() {
  local d
  for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do
    remove_dir "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

abspath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")" ;;
  esac
}

# Go is only needed when something has to be built, so look for it lazily.
# /usr/local/go/bin is where the official tarball installs, and it is often
# missing from PATH in non-login shells (npm scripts, test workers).
have_go() {
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    PATH=$PATH:/usr/local/go/bin
  fi
  command -v go >/dev/null 2>&1
}

# Static binaries: they do not depend on the host's libc or a C compiler, and
# -trimpath keeps the build cache reusable although every build runs in a
# fresh temp dir. A caller's GOFLAGS (-mod=vendor, say) is meant for some other
# module and could only break these builds, so it is replaced.
export CGO_ENABLED=0
export GOFLAGS=-buildvcs=false

# build_<name> WORKDIR: leave the binary at WORKDIR/<name>.
build_grpcurl() {
  go_install "$1" "$GRPCURL_PKG@$GRPCURL_VERSION"
}

build_ghz() {
  go_install "$1" "$GHZ_PKG@$GHZ_VERSION"
}

# Prometheus's go.mod has no replace directives, so `go install` builds it as
# released. Its version lives in prometheus/common's version package, not
# main.version; stamp that so `promtool --version` names the release.
# Prometheus's own build tags leave out the service discovery plugins this
# project does not use (cloud SDKs, Kubernetes: most of a cold build's time),
# keeping Consul's and DNS's, which deploy/prometheus/prometheus.yml uses;
# static and file discovery are always in.
build_promtool() {
  local release=${PROMTOOL_VERSION#v0.} # 316.0 → 3.16.0
  release="${release:0:1}.${release:1:2}.${release#*.}"
  (cd "$1" && GOBIN="$1" go install -trimpath -tags remove_all_sd,enable_consul_sd,enable_dns_sd \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$release" \
    "$PROMTOOL_PKG@$PROMTOOL_VERSION") >&2
}

# grpcurl and ghz are plain `go install pkg@version` builds: their go.mod files
# have no replace directives, so Go builds them exactly as released. Both only
# know their version when the release tooling stamps main.version; without it
# `-version` says "dev", which hides which pin a machine is running.
go_install() { # $1 = workdir, $2 = pkg@version
  (cd "$1" && GOBIN="$1" go install -trimpath -ldflags "-s -w -X main.version=${2##*@}" "$2") >&2
}

# Consul cannot be built with `go install consul@version`: `go install
# pkg@version` refuses any module whose go.mod has replace or exclude
# directives (they would mean something else outside that repository), and
# consul's go.mod replaces its own nested modules (api, sdk, ...) with local
# directories that the released module zip does not even contain. So we take the released module source, copy it to a
# writable dir, turn it into an ordinary main module by dropping the local
# replaces and requiring those nested modules as proxy versions, and build it
# there. The excludes stay: they only keep a bad go-msgpack release out.
build_consul() {
  local tmp=$1 src=$1/src mod

  # Outside any module, so nothing from the caller's directory leaks in.
  # (-json reports a failure inside the JSON, on stdout, hence the Error field.)
  local json
  json=$(cd "$tmp" && go mod download -json "$CONSUL_MODULE@$CONSUL_VERSION") || true
  mod=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
  [[ -n $mod && -d $mod ]] ||
    die "could not download $CONSUL_MODULE@$CONSUL_VERSION: $(sed -n 's/^[[:space:]]*"Error": //p' <<<"$json")"
  cp -R "$mod" "$src"
  chmod -R u+w "$src"

  # Every replace whose target is a relative path, in both the single-line
  # (`replace a => ./a`) and the block (`a => ./a` inside `replace (`) form.
  # (-dropreplace needs path@version when the left side names a version.)
  local path version args=()
  while read -r path version; do
    args+=("-dropreplace=$path${version:+@$version}")
  done < <(sed -nE 's/^[[:space:]]*(replace[[:space:]]+)?([^[:space:]()]+)([[:space:]]+(v[^[:space:]]+))?[[:space:]]+=>[[:space:]]+\.\.?\/.*/\2 \4/p' "$src/go.mod")
  for path in "${CONSUL_SUBMODULES[@]}"; do
    args+=("-require=$path")
  done
  (cd "$src" && go mod edit "${args[@]}")

  # -mod=mod lets Go add the go.sum lines for the newly required modules
  # (verified against the checksum database as usual) without a full tidy.
  (cd "$src" && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w" -o "$tmp/consul" .) >&2
  "$tmp/consul" version >/dev/null || die "the consul that was just built does not run"
}

# Print the path for one tool, building it if need be.
ensure() { # $1 = tool name
  local name=$1 env_var version
  case $name in
    consul) env_var=CONSUL_BIN version=$CONSUL_VERSION ;;
    grpcurl) env_var=GRPCURL_BIN version=$GRPCURL_VERSION ;;
    ghz) env_var=GHZ_BIN version=$GHZ_VERSION ;;
    promtool) env_var=PROMTOOL_BIN version=$PROMTOOL_VERSION ;;
    *) die "unknown tool '$name' (expected consul, grpcurl, ghz or promtool)" ;;
  esac

  local override=${!env_var:-}
  if [[ -n $override ]]; then
    [[ -f $override && -x $override ]] || die "$env_var=$override is not an executable file"
    printf '%s=%s\n' "$name" "$(abspath "$override")"
    return
  fi

  local cached=$BIN_DIR/$name-$version
  if [[ -x $cached ]]; then
    printf '%s=%s\n' "$name" "$cached"
    return
  fi

  local found
  if found=$(command -v "$name" 2>/dev/null) && [[ -f $found && -x $found ]]; then
    printf '%s=%s\n' "$name" "$(abspath "$found")"
    return
  fi

  have_go || die "$name not found and Go is not installed: install Go >= 1.23 or put $name on PATH (or set $env_var)"

  mkdir -p "$BIN_DIR"
  # Test workers start in parallel and may all miss the cache at once; only
  # one of them builds, the others wait here and then find the binary.
  local lock_fd
  exec {lock_fd}>"$TOOLS_DIR/.$name.lock"
  if ! flock -n "$lock_fd"; then
    log "waiting for another process that is building $name..."
    flock "$lock_fd"
  fi
  if [[ ! -x $cached ]]; then
    local note=
    case $name in
      consul | promtool) note=' (about 10 minutes on 2 cores when the Go build cache is cold)' ;;
    esac
    log "building $name $version with $(go version | cut -d' ' -f3) into $BIN_DIR$note..."
    local start=$SECONDS tmp
    # The build dir sits inside the cache dir so that the final `mv` is a
    # same-filesystem rename, i.e. atomic: a process that skips the lock
    # (a cache hit above) sees either no binary or a complete one.
    tmp=$(mktemp -d "$TOOLS_DIR/tmp.$name.XXXXXX")
    TMP_DIRS+=("$tmp")
    "build_$name" "$tmp"
    mv -f "$tmp/$name" "$cached"
    remove_dir "$tmp"
    log "built $name $version in $((SECONDS - start))s"
  fi
  exec {lock_fd}>&-
  printf '%s=%s\n' "$name" "$cached"
}

main() {
  local tools=("$@")
  [[ ${#tools[@]} -gt 0 ]] || tools=(consul grpcurl ghz promtool)
  local t
  for t in "${tools[@]}"; do
    ensure "$t"
  done
}

main "$@"
