#!/usr/bin/env bash
# The Luma pipeline: sync -> import (when there are guest lists to import) -> approvals (when
# APPROVALS is dry-run or on) -> analyze (always), then one notification to NOTIFY_URLS.
# Every step that can run, runs; the exit code says whether any failed.
#
#   bash run_luma_pipeline.sh          # the real thing (LUMA_API_KEY etc. from the environment or .env)
#   bash run_luma_pipeline.sh --demo   # against the simulated Luma, no key, no network; report in OUTPUT_DIR/demo
#
# Exit codes: 0 every step ok; otherwise the code of the first step that failed
# (1 failure, 2 configuration), or 75 when another pipeline run holds the lock.
set -uo pipefail  # no -e on purpose: a failed step must not stop the steps after it

cd "$(dirname "$0")"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

log() { printf '%s pipeline: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

demo=0
for arg in "$@"; do
    case "$arg" in
        --demo) demo=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run_luma_pipeline.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

work=$(mktemp -d)
child=""
demo_luma=""
lock_holder=""
stopping=""

cleanup() {  # by PID: the simulated Luma and the lock holder are ours alone
    for pid in $demo_luma $lock_holder; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
on_signal() {
    log "received $1: stopping the current step"
    stopping="stopped by $1"
    if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap cleanup EXIT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
trap 'on_signal SIGHUP' HUP  # the terminal closed: stop as cleanly as on SIGTERM

# run_step NAME SCRIPT [ARGS...]: run one step with its stderr shown and kept; stdout goes to
# $work/NAME.out. Sets step_rc and step_reason.
run_step() {
    local name=$1; shift
    last_step=$name
    log "step $name: starting"
    rm -f "$work/fifo"; mkfifo "$work/fifo"
    tee "$work/$name.err" <"$work/fifo" >&2 &
    local tee_pid=$!
    "$PYTHON" "$@" >"$work/$name.out" 2>"$work/fifo" &
    child=$!
    step_rc=0
    wait "$child" || step_rc=$?
    while kill -0 "$child" 2>/dev/null; do  # a signal interrupted the wait: wait for the step itself
        step_rc=0
        wait "$child" || step_rc=$?
    done
    child=""
    wait "$tee_pid" 2>/dev/null
    step_reason=$(grep -E '^[^ ]+ (ERROR|CRITICAL) ' "$work/$name.err" | tail -n 1 | cut -d' ' -f4-)
    [ -n "$step_reason" ] || step_reason="exit code $step_rc"
    log "step $name: exit code $step_rc"
}

start_demo_luma() {
    # two calendars sharing some events (an empty LUMA_API_KEY keeps a real one in .env out of it)
    export LUMA_API_KEY="" LUMA_CALENDARS="Campus Builders=demo-key; Robotics Club=demo-key-2"
    export ORGANISATIONS="Campus Builders=campus-builders.org; Robotics Club=robotics-club.org"
    export LUMA_MAX_REQUESTS_PER_MINUTE=0
    # approvals decided but never made in the demo: returning guests (2+ events) are shown
    export APPROVALS=dry-run APPROVE_MIN_EVENTS="${APPROVE_MIN_EVENTS:-2}"
    if [ -z "${DATABASE_URL:-}" ] && [ -z "${PGHOST:-}" ]; then
        export LUMA_PGDATA="${LUMA_DEMO_PGDATA:-.pgdata-demo}"  # never mixed with real data in .pgdata
    fi
    # the demo's report and guest lists in a folder of their own: a run by hand never replaces them
    local outdir; outdir=$(setting output_dir)
    export OUTPUT_DIR="${outdir:-analysis_outputs}/demo"; export CSV_DIR="$OUTPUT_DIR/luma_csv"
    # --parent-pid/--cleanup-dir: even a SIGKILL of this script leaves no simulated Luma behind
    "$PYTHON" -m luma_pipeline.simulated_luma --port 0 --url-file "$work/luma-url" \
        --calendar "Campus Builders=demo-key" --calendar "Robotics Club=demo-key-2" \
        --parent-pid $$ --cleanup-dir "$work" &
    demo_luma=$!
    local tries=0
    until [ -s "$work/luma-url" ]; do
        if ! kill -0 "$demo_luma" 2>/dev/null || [ $tries -ge 600 ]; then
            log "the simulated Luma did not start"; exit 1
        fi
        tries=$((tries + 1)); sleep 0.1
    done
    export LUMA_API_BASE_URL; LUMA_API_BASE_URL=$(cat "$work/luma-url")
    log "demo: simulated Luma at $LUMA_API_BASE_URL (pid $demo_luma, files in $work)"
}

# The pipeline-wide lock, held by a small process for the whole run: a second pipeline exits 75
# at once; the per-step locks still keep a step run by hand apart from the pipeline's.
hold_pipeline_lock() {
    "$PYTHON" -m luma_pipeline.pipeline_lock >"$work/lock.out" 2>"$work/lock.err" &
    lock_holder=$!
    until [ -s "$work/lock.out" ]; do
        if ! kill -0 "$lock_holder" 2>/dev/null; then
            local rc=0 reason
            wait "$lock_holder" || rc=$?
            lock_holder=""
            grep -E '^[^ ]+ (ERROR|CRITICAL) ' "$work/lock.err" >&2
            if [ "$rc" = 75 ]; then
                echo "[NOTIFICATION] Pipeline skipped: another run is in progress"
                exit 75
            fi
            reason=$(grep -E '^[^ ]+ (ERROR|CRITICAL) ' "$work/lock.err" | tail -n 1 | cut -d' ' -f4-)
            echo "[NOTIFICATION] Pipeline FAILED: ${reason:-pipeline lock: exit code $rc}"
            report="${report:-}"
            notify pipeline "pipeline: ${reason:-exit code $rc}"
            exit "$rc"
        fi
        sleep 0.1
    done
}

setting() {  # the value of one setting as the Python steps see it (environment, then .env)
    "$PYTHON" -c "from luma_pipeline.config import load_settings; print(load_settings().$1)" 2>/dev/null
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)  # the run_log rows of this run start after it
# NOTIFY_URLS is checked before anything runs (exit 2 naming a bad URL); prints how many are set.
if ! notify_urls=$("$PYTHON" -m luma_pipeline.notify --check); then
    echo "[NOTIFICATION] Pipeline FAILED: configuration: NOTIFY_URLS"
    exit 2
fi
notify() {  # notify [FAILED_STEP [REASON...]]: the run's one message; never changes the exit code
    [ "${notify_urls:-0}" -gt 0 ] || return 0
    local args=(--since "$started" --report "$report")
    if [ $# -gt 0 ]; then
        args+=(--failed-step "$1"); shift
        for reason in "$@"; do args+=(--reason "$reason"); done
    fi
    "$PYTHON" -m luma_pipeline.notify "${args[@]}" || true
}

if [ "$demo" = 1 ]; then start_demo_luma; fi
hold_pipeline_lock
if [ -n "$stopping" ]; then
    echo "[NOTIFICATION] Pipeline FAILED: $stopping"
    exit 143
fi
log "starting$([ "$demo" = 1 ] && echo ' (demo)')"
failed=()
first_rc=0
first_failed=""
last_step=""
note_failure() {  # note_failure STEP
    failed+=("$1: $step_reason")
    if [ "$first_rc" = 0 ]; then first_rc=$step_rc; first_failed=$1; fi
}

run_step sync luma_sync.py
if [ "$step_rc" = 75 ]; then
    log "another pipeline run is syncing; this one stops here"
    echo "[NOTIFICATION] Pipeline skipped: another run is in progress"
    exit 75
fi
[ "$step_rc" = 0 ] || note_failure sync
written=$(grep -c . "$work/sync.out" || true)

if [ -z "$stopping" ]; then
    csv_dir=$(setting csv_dir)
    pending=0
    if [ -n "$csv_dir" ] && [ -d "$csv_dir" ]; then
        pending=$(find "$csv_dir" -maxdepth 1 -name '*.csv' -type f | wc -l)
    fi
    if [ "$written" -gt 0 ] || [ "$pending" -gt 0 ]; then
        log "guest lists: $written written by this sync, $pending waiting in $csv_dir"
        run_step import import_luma_attendance.py
        [ "$step_rc" = 0 ] || note_failure import
    else
        log "step import: skipped (no guest list to import)"
    fi
fi

if [ -z "$stopping" ]; then
    approvals=$(setting approvals)
    if [ "$approvals" = dry-run ] || [ "$approvals" = on ]; then
        run_step approvals approve_guests.py
        [ "$step_rc" = 0 ] || note_failure approvals
    fi
fi

if [ -z "$stopping" ]; then
    run_step analyze analyze.py
    [ "$step_rc" = 0 ] || note_failure analyze
fi

report="$(setting output_dir)/index.html"
if [ -n "$stopping" ]; then
    echo "[NOTIFICATION] Pipeline FAILED: $stopping"
    notify "${last_step:-pipeline}" "${last_step:-pipeline}: $stopping"
    exit 143
elif [ ${#failed[@]} -gt 0 ]; then
    printf -v joined '%s; ' "${failed[@]}"
    echo "[NOTIFICATION] Pipeline FAILED: ${joined%; }"
    notify "$first_failed" "${failed[@]}"
    exit "$first_rc"
fi
attention=$(grep -o 'attention=[0-9]*' "$work/analyze.err" 2>/dev/null | tail -n 1 | cut -d= -f2)
[ "${attention:-0}" -gt 0 ] && attention_note="; attention=$attention" || attention_note=""
echo "[NOTIFICATION] Pipeline succeeded: $written guest list(s) synced; report: $report$attention_note"
notify
if [ "$demo" = 1 ]; then
    echo "Report: $report"
fi
exit 0
