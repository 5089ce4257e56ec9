// Builds the Config from CLI flags and SKETCHCAST_* environment variables (flags win), validated by
// the schema; a bad value throws ConfigError naming the flag or variable it came from.
import type { z } from "zod";
import { type Config, configSchema } from "./schema.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

interface Leaf {
  path: string[];
  flag: string;
  env: string;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every settable leaf of the schema (objects, also behind a default, are walked into). */
function leaves(schema: z.ZodType, path: string[] = []): Leaf[] {
  const def = (schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  if (def.type === "object") {
    return Object.entries((schema as z.ZodObject).shape).flatMap(([k, v]) =>
      leaves(v as z.ZodType, [...path, k]),
    );
  }
  if (def.type === "prefault" && def.innerType) return leaves(def.innerType, path);
  const flag = path.map(kebab).join("-");
  return [{ path, flag, env: `SKETCHCAST_${flag.replace(/-/g, "_").toUpperCase()}` }];
}

const settable = leaves(configSchema);

/** The config flags, in the shape node:util parseArgs takes, for commands to merge with their own. */
export const configFlags: Record<string, { type: "string" }> = Object.fromEntries(
  settable.map((l) => [l.flag, { type: "string" as const }]),
);

export function loadConfig(
  flags: Record<string, unknown> = {},
  env: Record<string, string | undefined> = process.env,
): Config {
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const leaf of settable) {
    const fromFlag = flags[leaf.flag];
    // The mediasoup worker location also has the variable the mediasoup package itself reads.
    // An empty variable counts as unset: compose files pass `${X:-}` through as "".
    const fromEnv =
      env[leaf.env] ||
      (leaf.flag === "mediasoup-worker-bin" ? env.MEDIASOUP_WORKER_BIN : undefined) ||
      undefined;
    const value = typeof fromFlag === "string" ? fromFlag : fromEnv;
    if (value === undefined) continue;
    let node = raw;
    for (const key of leaf.path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[leaf.path.at(-1) as string] = value;
    origin.set(
      leaf.path.join("."),
      typeof fromFlag === "string" ? `--${leaf.flag} "${value}"` : `${leaf.env}="${value}"`,
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const key = issue.path.join(".");
  throw new ConfigError(`invalid ${origin.get(key) ?? key}: ${issue.message}`);
}
