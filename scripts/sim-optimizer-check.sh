#!/usr/bin/env bash
# What the optimizer achieves offline with the sim (issue 11, item 6): for each dataset,
# several seeds of `ieopt optimize` on train/val, then `ieopt eval` of the default prompt
# and of the frozen prompt on a held-out test split. Prints a Markdown table of SIM numbers.
#
#   bash scripts/sim-optimizer-check.sh [seeds...]        (default seeds: 0 1 2)
#
# Datasets: the five tasks of examples/ (train / dev / 7-language test), and, when
# ../shared/data is present, real English xSID (SF: en.valid split by instance into
# train and val, en.test as test) and UNER (NER: EWT dev split into train and val, the
# first 600 EWT test sentences as test), imported and batched with ieopt itself.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=("${@:-0 1 2}")
read -r -a SEEDS <<< "${SEEDS[*]}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
IEOPT=./ieopt

# Split an instance-level file's batched samples into train / val by instance (every 3rd
# instance to val), and keep the first N lines of a test file.
split_by_instance() { # in train val
  node -e '
    const fs = require("fs");
    const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    const ids = [...new Set(lines.map((l) => JSON.parse(l).instance_id))];
    const val = new Set(ids.filter((_, i) => i % 3 === 2));
    fs.writeFileSync(process.argv[2], lines.filter((l) => !val.has(JSON.parse(l).instance_id)).join("\n") + "\n");
    fs.writeFileSync(process.argv[3], lines.filter((l) => val.has(JSON.parse(l).instance_id)).join("\n") + "\n");
  ' "$1" "$2" "$3"
}

declare -a NAMES TASKS TRAIN VAL TEST
add() { NAMES+=("$1"); TASKS+=("$2"); TRAIN+=("$3"); VAL+=("$4"); TEST+=("$5"); }
for t in ner re sf ed ee; do
  add "examples/$t" "${t^^}" "examples/data/$t/train.jsonl" "examples/data/$t/dev.jsonl" "examples/data/$t/test.jsonl"
done

SHARED=../shared/data
if [ -d "$SHARED" ]; then
  $IEOPT data import --format xsid --in "$SHARED/xsid/en.valid.conll" --split dev --out "$WORK/xsid-dev-inst.jsonl" >/dev/null
  $IEOPT data batch --in "$WORK/xsid-dev-inst.jsonl" --out "$WORK/xsid-dev.jsonl" >/dev/null
  split_by_instance "$WORK/xsid-dev.jsonl" "$WORK/xsid-train.jsonl" "$WORK/xsid-val.jsonl"
  $IEOPT data import --format xsid --in "$SHARED/xsid/en.test.conll" --split test --out "$WORK/xsid-test-inst.jsonl" >/dev/null
  $IEOPT data batch --in "$WORK/xsid-test-inst.jsonl" --out "$WORK/xsid-test.jsonl" >/dev/null
  add "xSID en (real)" SF "$WORK/xsid-train.jsonl" "$WORK/xsid-val.jsonl" "$WORK/xsid-test.jsonl"

  $IEOPT data import --format uner --in "$SHARED/uner/en_ewt-ud-dev.iob2" --split dev --out "$WORK/uner-dev-inst.jsonl" >/dev/null
  head -n 900 "$WORK/uner-dev-inst.jsonl" > "$WORK/uner-dev-900.jsonl"
  $IEOPT data batch --in "$WORK/uner-dev-900.jsonl" --out "$WORK/uner-dev.jsonl" >/dev/null
  split_by_instance "$WORK/uner-dev.jsonl" "$WORK/uner-train.jsonl" "$WORK/uner-val.jsonl"
  $IEOPT data import --format uner --in "$SHARED/uner/en_ewt-ud-test.iob2" --split test --out "$WORK/uner-test-inst.jsonl" >/dev/null
  head -n 600 "$WORK/uner-test-inst.jsonl" > "$WORK/uner-test-600.jsonl"
  $IEOPT data batch --in "$WORK/uner-test-600.jsonl" --out "$WORK/uner-test.jsonl" >/dev/null
  add "UNER en EWT (real)" NER "$WORK/uner-train.jsonl" "$WORK/uner-val.jsonl" "$WORK/uner-test.jsonl"
else
  echo "(../shared/data is absent: real xSID and UNER are skipped)" >&2
fi

lf1() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.results.map((x) => x.overall.lf1.value.toFixed(2)).join(" "))'; }

echo "| dataset (sim) | seed | val default → best | test default | test optimized | Δ test |"
echo "|---|---:|---:|---:|---:|---:|"
for i in "${!NAMES[@]}"; do
  for seed in "${SEEDS[@]}"; do
    out=$($IEOPT optimize --task "${TASKS[$i]}" --train "${TRAIN[$i]}" --val "${VAL[$i]}" --seed "$seed" --quiet --runs-dir "$WORK/runs" 2>&1)
    frozen=$(grep -o '/[^ ]*/frozen.json' <<< "$out" | head -1)
    val=$(grep -o 'default [0-9.]* → [a-z ]*[0-9.]*' <<< "$out" | head -1 | sed 's/default //; s/best searched //; s/kept default //')
    read -r d o < <($IEOPT eval --prompt "default:${TASKS[$i]}" --prompt "$frozen" --data "${TEST[$i]}" --out "$WORK/eval-$i-$seed" --json --quiet 2>/dev/null | lf1)
    delta=$(node -e "console.log(($o - $d).toFixed(2))")
    echo "| ${NAMES[$i]} | $seed | $val | $d | $o | $delta |"
  done
done
