// The `sketchcast` command: `serve` (the default) and `convert`. Any failure ends with one readable
// line on stderr and exit code 1 (2 for usage errors).
import { parseArgs } from "node:util";
import { configFlags, loadConfig } from "./config/load.js";
import { convertCommand, convertFlags, convertUsage, UsageError } from "./convert/convert-command.js";

const usage = `usage: sketchcast [serve] [--port N] [--host H] [--ep cpu|webgpu|cuda] [--threads N] [--model PATH] …
       ${convertUsage.replace(/^usage: /, "")}
Every setting is also an environment variable: --data-dir is SKETCHCAST_DATA_DIR.`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...configFlags, ...convertFlags, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const [command = "serve", ...rest] = positionals;
  if (command === "convert") return convertCommand(rest, values);
  if (command !== "serve" || rest.length > 0)
    throw new UsageError(`unknown command "${positionals.join(" ")}"\n${usage}`);
  const given = Object.keys(convertFlags).find((f) => f in values);
  if (given) throw new UsageError(`--${given} is a convert option`);
  const { serve } = await import("./main.js");
  await serve(loadConfig(values));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usageError =
    err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`sketchcast: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = usageError ? 2 : 1;
});
