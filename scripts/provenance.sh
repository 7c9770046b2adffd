# Sourced by the device scripts: the header of a results folder's provenance.txt.
#   write_provenance FILE PLANTUNE_EXE   date, commit (marked when the tree has uncommitted
#                                        changes), GPU and driver, `plantune info`
#   since T0                             seconds since T0 (a `date +%s.%N`), one decimal
# PLANTUNE_COMMIT is exported (the commit the tuner and the runtime record in their outputs).
export PLANTUNE_COMMIT=${PLANTUNE_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
write_provenance() {
  {
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $PLANTUNE_COMMIT$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
    "$2" info 2>&1 | sed 's/^/info: /'
  } >"$1"
}
since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }
