#!/usr/bin/env bash
# Coverage-guided fuzzing of the protocol parsers (fuzz/README.md): builds the libFuzzer driver, publishes
# fuzz/Ots.Fuzz, instruments Ots.Protocol.dll with SharpFuzz, replays the seed corpus, then fuzzes.
#   fuzz/run.sh [SECONDS] [libFuzzer flags...]    default 60 s; OTS_FUZZ_TARGET=head|chunked|create|reveal pins one target
# Exit status: 0 no finding; 1 a finding (crash, timeout or out-of-memory input: saved under $work/artifacts and printed
# as base64 below); 2 the fuzzer could not be built or run (missing clang/libFuzzer runtime, restore failure).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
work=${OTS_FUZZ_WORK:-$(mktemp -d -t ots-fuzz.XXXXXX)}
mkdir -p "$work/corpus" "$work/artifacts"
work=$(cd "$work" && pwd)
infra() { echo "fuzz: $*" >&2; exit 2; }

# The driver: libfuzzer-dotnet (vendored, MIT) linked with clang's libFuzzer (Debian: clang + libclang-rt-14-dev).
clang++ -O2 -fsanitize=fuzzer fuzz/driver/libfuzzer-dotnet.cc -o "$work/libfuzzer-dotnet" ||
  infra "cannot build the libFuzzer driver (apt-get install clang libclang-rt-14-dev)"
dotnet publish fuzz/Ots.Fuzz -c Release -o "$work/bin" -nologo -v quiet >"$work/publish.log" 2>&1 ||
  { cat "$work/publish.log" >&2; infra "dotnet publish fuzz/Ots.Fuzz failed"; }
# The seeds must pass before anything new is looked for: a seed that fails is a regression, and is a finding.
# Replayed on a plain copy: instrumented code writes its coverage to the driver's shared memory, which only exists
# under libfuzzer-dotnet (elsewhere it faults). The plain copy also reproduces findings.
cp -r "$work/bin" "$work/plain"
cp fuzz/corpus/* "$work/corpus/"
if ! dotnet "$work/plain/Ots.Fuzz.dll" --replay fuzz/corpus; then
  echo "fuzz: FINDING: a seed of fuzz/corpus fails (see the exception above)"
  exit 1
fi

dotnet tool restore >/dev/null || infra "dotnet tool restore failed"
# Only Ots.Protocol is instrumented: coverage of our parsers is what guides the mutations.
dotnet sharpfuzz "$work/bin/Ots.Protocol.dll" >"$work/instrument.log" 2>&1 ||
  { cat "$work/instrument.log" >&2; infra "SharpFuzz could not instrument Ots.Protocol.dll"; }

# Run from the work directory: with -jobs=N, libFuzzer writes each job's output to fuzz-<job>.log in the current
# directory, which would otherwise be the repository's root (it also prints each log when its job ends).
rm -f "$work"/fuzz-*.log
(cd "$work" && exec ./libfuzzer-dotnet --target_path=dotnet --target_arg="$work/bin/Ots.Fuzz.dll" \
  -max_total_time="$seconds" -timeout=30 -dict="$root/fuzz/http.dict" -artifact_prefix="$work/artifacts/" \
  -print_final_stats=1 "$@" "$work/corpus") 2>&1 | tee "$work/fuzz.log" | grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)'
fuzz_status=${PIPESTATUS[0]}

# Executions of every job (one, or N with -jobs=N).
execs=$(awk '/^stat::number_of_executed_units/ { n += $2; seen = 1 } END { if (seen) print n }' "$work/fuzz.log")
found=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
echo "fuzz: ${execs:-0} executions in ${seconds} s, corpus $(ls "$work/corpus" | wc -l) inputs, libFuzzer exit $fuzz_status, work dir $work"
if [[ -n $found ]]; then
  for file in $found; do
    echo "fuzz: FINDING $(basename "$file"): $(base64 -w0 "$file")"
    echo "      reproduce: dotnet $work/plain/Ots.Fuzz.dll --replay $file"
  done
  exit 1
fi
if [[ $fuzz_status -ne 0 || -z $execs ]]; then
  infra "libFuzzer ended with status $fuzz_status and no finding (see $work/fuzz.log)"
fi
echo "fuzz: no finding"
