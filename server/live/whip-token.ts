import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log.js";

/**
 * The bearer token WHIP publishers need: `--whip-token` / SKETCHCAST_WHIP_TOKEN, or, so that the
 * default set-up works, one made at start and logged once (it changes with every restart).
 */
export function whipToken(config: Pick<Config, "whipToken">, log: Logger): string {
  if (config.whipToken) return config.whipToken;
  const token = randomBytes(18).toString("base64url");
  log.info({ whipToken: token }, "WHIP publish token for this run (set --whip-token to keep one)");
  return token;
}
