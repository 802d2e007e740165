// Preloaded with `node --import` by test/cli/lazy-loading.test.ts: records the URL of every
// module the process resolves and writes them, one a line, to $IEOPT_RECORD_MODULES at exit,
// followed by Node's own modules loaded however (process.moduleLoadList, as "builtin:<name>").
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
process.on("exit", () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => `builtin:${m.slice("NativeModule ".length)}`);
  writeFileSync(process.env.IEOPT_RECORD_MODULES, [...urls, ...builtins].join("\n") + "\n");
});
