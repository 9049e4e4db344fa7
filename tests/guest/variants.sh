# Sourced by tests/guest/setup-host and tests/guest/setup-root (bash).
#
# The ipt_NETFLOW variants the guest tests swap in for Debian's DKMS build,
# built by tests/guest/build-ipt-netflow for one kernel into
#   $CACHE/variants/<variant>/<kernel>/
# either on the host (Debian 12's 6.1) or inside a root made by setup-root
# (chroot: Debian 13's 6.12, its compiler and its DKMS module set):
#   full  Debian's DKMS source with every feature
#   fork  the maintained fork 2.8.0 from $THIRD_PARTY (checked against SHA256SUMS)
# A variant is rebuilt only when its key (recipe, source, headers, compiler,
# installed modules) changes, or with --rebuild.  A failed build is recorded
# under the same key, reported loudly on every run and not retried; the guest
# tests that need it then fail with the reason.
#
# Needs: CACHE, HERE, ROOT, REBUILD (0/1), say().

THIRD_PARTY=${VYFLOW_THIRD_PARTY:-$ROOT/../shared/third-party}
FORK_TARBALL=ipt-netflow-2.8.0.tar.gz
BUILDER=$HERE/build-ipt-netflow
STAGE=/var/tmp/vyflow-guest      # inside a chroot: the builder's inputs and output

variant_dir() { echo "$CACHE/variants/$1/$2"; }     # variant kernel

# The fork's tarball, checked against the SHA256SUMS beside it; prints its path.
fork_tarball() {
    local dir=$THIRD_PARTY
    [[ -f $dir/$FORK_TARBALL && -f $dir/SHA256SUMS ]] || {
        echo "$dir/$FORK_TARBALL or its SHA256SUMS is missing (VYFLOW_THIRD_PARTY" \
             "names the directory; CI has ../shared beside the checkout)" >&2
        return 1; }
    (cd "$dir" && grep " $FORK_TARBALL\$" SHA256SUMS | sha256sum --quiet -c - >&2) || {
        echo "$dir/$FORK_TARBALL does not match SHA256SUMS" >&2; return 1; }
    echo "$(cd "$dir" && pwd)/$FORK_TARBALL"
}

# Runs the builder on the host (root '') or in the chroot $1 with its inputs
# staged under $STAGE there; prints the SOURCE argument to use.
stage_source() {  # root variant
    local src
    [[ $2 == full ]] && { echo dkms; return; }
    src=$(fork_tarball) || return 1
    if [[ -z $1 ]]; then echo "$src"; return; fi
    mkdir -p "$1$STAGE"
    cmp -s "$src" "$1$STAGE/$FORK_TARBALL" || cp "$src" "$1$STAGE/$FORK_TARBALL"
    echo "$STAGE/$FORK_TARBALL"
}

run_builder() {  # root args...
    local root=$1; shift
    if [[ -z $root ]]; then "$BUILDER" "$@"
    else chroot "$root" /bin/bash -c "$(cat "$BUILDER")" build-ipt-netflow "$@"; fi
}

variant_key() {  # variant kernel root
    local src
    src=$(stage_source "$3" "$1" 2>/dev/null) || return 1
    run_builder "$3" key "$1" "$2" "$src" 2>/dev/null
}

variant_state() {  # variant kernel root -> ok | failed | stale | missing | nosource
    local dir key
    dir=$(variant_dir "$1" "$2")
    if [[ $1 == fork ]] && ! fork_tarball >/dev/null 2>&1; then echo nosource; return; fi
    [[ -e $dir/status && -e $dir/key ]] || { echo missing; return; }
    key=$(variant_key "$1" "$2" "$3") || { echo missing; return; }
    [[ $(cat "$dir/key") == "$key" ]] || { echo stale; return; }
    case $(head -n 1 "$dir/status") in
        ok) [[ -s $dir/ipt_NETFLOW.ko ]] && echo ok || echo missing ;;
        *) echo failed ;;
    esac
}

report_variant() {  # variant kernel state; a failure is loud
    local dir; dir=$(variant_dir "$1" "$2")
    case $3 in
        ok) ;;
        failed)
            say "WARNING: the '$1' ipt_NETFLOW variant for $2 could not be built:"
            say "WARNING:   $(sed -n '2p' "$dir/status" 2>/dev/null)"
            say "WARNING:   build log: $dir/build.log"
            say "WARNING: the guest tests that need it will FAIL; the others still run."
            say "WARNING: 'tests/guest/setup-host --rebuild' retries the build." ;;
        nosource)
            say "WARNING: the fork's source is not usable:"
            say "WARNING:   $(fork_tarball 2>&1 >/dev/null | head -n 1)" ;;
        *) say "the '$1' ipt_NETFLOW variant for $2 is $3" ;;
    esac
}

# Builds when not settled (built or failed for the current key); never exits.
ensure_variant() {  # variant kernel root
    local state dir tmp src out started=$SECONDS
    state=$(variant_state "$@")
    if [[ $REBUILD -eq 0 && ( $state == ok || $state == failed ) ]] || [[ $state == nosource ]]; then
        report_variant "$1" "$2" "$state"
        return 0
    fi
    dir=$(variant_dir "$1" "$2")
    mkdir -p "${dir%/*}"
    exec 8>"${dir%/*}/.lock"
    flock 8                          # one build at a time per variant
    say "building the '$1' ipt_NETFLOW variant for $2${3:+ in $3} (never installed)"
    src=$(stage_source "$3" "$1")
    if [[ -n $3 ]]; then
        mkdir -p "$3$STAGE"
        tmp=$(mktemp -d "$3$STAGE/out.XXXXXX")
    else
        tmp=$(mktemp -d "${dir%/*}/.build-$2.XXXXXX")
    fi
    out=$tmp/out
    run_builder "$3" build "$1" "$2" "$src" "${out#"$3"}" || true
    if [[ -e $out/status ]]; then
        rm -rf "$dir"
        mv "$out" "$dir"
    fi
    rm -rf "$tmp"
    exec 8>&-
    state=$(variant_state "$@")
    if [[ $state == ok ]]; then
        say "built $dir/ipt_NETFLOW.ko ($(sed -n 's/^tags: //p' "$dir/info")) in $((SECONDS - started)) s"
    else
        say "first errors in the build log (compat probes excluded):"
        grep -v '^//' "$dir/build.log" 2>/dev/null | grep -m 8 -E 'error:|Error [0-9]|\*\*\*' >&2 \
            || tail -n 15 "$dir/build.log" >&2 || true
        report_variant "$1" "$2" "$state"
    fi
}
