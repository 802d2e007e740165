/**
 * `ieopt sim serve`: the offline sim model as an OpenAI-compatible server, so other tools
 * (or `ieopt eval --base-url …`) can call it over HTTP. Serves until Ctrl-C.
 */
import type { Command } from "commander";
import { UserInputError } from "../../errors.ts";
import { startSimServer } from "../../../sim/server.ts";
import { SIM_PROFILES } from "../../../sim/index.ts";

export function register(program: Command): void {
  const sim = program.command("sim").description("the offline sim model (a stand-in LLM for demos, dry runs and tests; its scores are not real LLM results)");
  sim
    .command("serve")
    .description("serve the sim model as an OpenAI-compatible API (POST /v1/chat/completions, GET /v1/models) until Ctrl-C")
    .option("--port <port>", "port to listen on (0 = any free port)", "8787")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--profiles <list>", `comma-separated profiles to serve (default: ${SIM_PROFILES.join(",")})`)
    .action(async (opts: { port: string; host: string; profiles?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserInputError(`--port must be an integer between 0 and 65535, got '${opts.port}'`);
      let server;
      try {
        server = await startSimServer({ port, host: opts.host, ...(opts.profiles ? { profiles: opts.profiles.split(",").map((s) => s.trim()).filter(Boolean) } : {}) });
      } catch (err) {
        throw new UserInputError(`cannot start the sim server: ${err instanceof Error ? err.message : String(err)}`);
      }
      process.stdout.write(`sim server listening on ${server.url}  (models: ${opts.profiles ?? SIM_PROFILES.join(", ")}; Ctrl-C to stop)\n`);
      process.stdout.write(`point any OpenAI-compatible client at ${server.url} (any API key); try: curl ${server.url}/models\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().finally(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      process.stdout.write("sim server stopped\n");
    });
}
