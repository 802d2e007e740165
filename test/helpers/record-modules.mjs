// Preloaded with `node --import` by test/cli/lazy-loading.test.ts: records the URL of every
// module the process resolves and writes them, one a line, to $IEOPT_RECORD_MODULES at exit.
import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";

const urls = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    urls.add(resolved.url);
    return resolved;
  },
});
process.on("exit", () => writeFileSync(process.env.IEOPT_RECORD_MODULES, [...urls].join("\n") + "\n"));
