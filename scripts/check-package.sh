#!/usr/bin/env bash
# The published package as a user gets it: `npm pack` (which builds dist/ through
# "prepack"), install the tarball into a scratch project in a temp dir, import the public
# API from an .mjs file and from a strict `nodenext` TypeScript file (`tsc --noEmit`), and
# run the installed CLI (`npx ieopt --version`, a tiny `ieopt score`). Run by .ci/run;
# cleans up after itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/ieopt-package-check.XXXXXX")"
trap 'rm -rf "$scratch" "$root/dist"' EXIT
# The installed CLI's Node compile cache goes to the scratch folder too, so the check leaves
# the system temp dir as it found it.
export NODE_COMPILE_CACHE="$scratch/node-compile-cache"

cd "$root"
tarball="$(npm pack --silent --pack-destination "$scratch" | tail -n 1)"
echo "package: $tarball ($(du -k "$scratch/$tarball" | cut -f1) kB)"
if tar tzf "$scratch/$tarball" | grep -E '^package/(test|bench|\.ci|src|runs)/' >/dev/null; then
  echo "the tarball carries files that are not part of the package:" >&2
  tar tzf "$scratch/$tarball" | grep -E '^package/(test|bench|\.ci|src|runs)/' | head >&2
  exit 1
fi

cd "$scratch"
mkdir consumer && cd consumer
printf '{ "name": "ieopt-consumer", "private": true, "type": "module" }\n' >package.json
npm install --no-audit --no-fund --loglevel=error "../$tarball"

cat >api.mjs <<'EOF'
import { Study, TPESampler, categorical, getProgram, scoreSample, createSimLM } from "ieopt";
const study = new Study({ sampler: new TPESampler({ seed: 1 }), direction: "maximize" });
for (let i = 0; i < 6; i++) {
  const trial = study.ask({ x: categorical([0, 1, 2]) });
  study.tell(trial.number, trial.params.x === 2 ? 1 : 0);
}
const ner = getProgram("NER");
const answer = await createSimLM("sim").complete({
  messages: ner.render({ text: "Ada lives in Oslo.", schema: ["person", "location"] }, { instruction: ner.defaultInstruction, demos: ner.defaultDemos }),
});
const parsed = ner.parse(answer.choices[0]);
if (study.trials.length !== 6 || !parsed.ok) throw new Error("the installed package did not work");
const perfect = scoreSample("NER", [{ entity: "Ada", entity_type: "person" }], [{ entity: "Ada", entity_type: "person" }]);
if (perfect.lf1 !== 1) throw new Error(`LF1 of a perfect answer is ${perfect.lf1}`);
console.log("import from .mjs: ok");
EOF
node api.mjs

cat >api.ts <<'EOF'
import { Study, TPESampler, categorical, getProgram, scoreSample, createSimLM, createLM, loadFrozenPrompt, type LM, type FrozenPrompt, type Sample } from "ieopt";
const study = new Study({ sampler: new TPESampler({ seed: 1 }), direction: "maximize" });
const trial = study.ask({ x: categorical([0, 1]) });
study.tell(trial.number, 1);
const lm: LM = createSimLM("sim");
const ner = getProgram("NER");
const parsed = ner.parse('[{"entity": "Ada", "entity_type": "person"}]');
const lf1: number = parsed.ok ? scoreSample("NER", parsed.records, []).lf1 : 0;
const load: (path: string) => FrozenPrompt = loadFrozenPrompt;
export { lm, lf1, load, createLM };
export type S = Sample;
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2024",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": false,
    "noEmit": true
  },
  "files": ["api.ts"]
}
EOF
"$root/node_modules/.bin/tsc" -p . && echo "import from strict nodenext TypeScript: ok"

version="$(npx --no-install ieopt --version)"
[ "$version" = "$(node -p 'require("'"$root"'/package.json").version')" ] || { echo "npx ieopt --version printed '$version'" >&2; exit 1; }
echo "npx ieopt --version: $version"

printf '%s\n' '{"id":"s1","dataset":"toy","lang":"eng","task":"NER","split":"test","text":"Ada lives in Oslo.","schema":["person","location"],"labels":[{"entity":"Ada","entity_type":"person"},{"entity":"Oslo","entity_type":"location"}]}' >gold.jsonl
printf '%s\n' '{"id":"s1","records":[{"entity":"Ada","entity_type":"person"}]}' >pred.jsonl
npx --no-install ieopt score --gold gold.jsonl --pred pred.jsonl --json >score.json
node -e 'const s = JSON.parse(require("fs").readFileSync("score.json", "utf8")); const lf1 = s.overall.lf1; if (Math.abs(lf1 - 200 / 3) > 1e-9) { console.error("ieopt score: LF1 " + lf1 + ", expected 66.67"); process.exit(1); } console.log("npx ieopt score: LF1 " + lf1.toFixed(2));'
echo "package check passed"
