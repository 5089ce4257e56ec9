import type { Socket } from "socket.io";
import type { Logger } from "../../log.js";
import { RequestError } from "../../media/request-error.js";
import { type Ack, type RequestName, type Responses, requestSchemas } from "./messages.js";

/** A request's payload after validation (defaults applied). */
export type Parsed<K extends RequestName> = ReturnType<(typeof requestSchemas)[K]["parse"]>;

export type Handlers = { [K in RequestName]: (payload: Parsed<K>) => Promise<Responses[K]> };

/**
 * Wires every request of the protocol to its handler: validates the payload, runs the handler and
 * acks `{ ok, data }` or `{ ok: false, error, code }`. Nothing a client sends can throw out of here.
 */
export function attachHandlers(socket: Socket, handlers: Handlers, log: Logger): void {
  for (const name of Object.keys(requestSchemas) as RequestName[]) {
    socket.on(name, async (...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === "function" ? (last as (reply: Ack<unknown>) => void) : undefined;
      const payload = ack ? args.slice(0, -1)[0] : args[0];
      const reply = (r: Ack<unknown>) => ack?.(r);
      const parsed = requestSchemas[name].safeParse(payload ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reply({
          ok: false,
          error: `invalid ${name}: ${issue?.path.join(".") || "payload"}: ${issue?.message}`,
          code: "invalid-request",
        });
      }
      try {
        const handler = handlers[name] as (p: unknown) => Promise<unknown>;
        reply({ ok: true, data: await handler(parsed.data) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.debug({ err, request: name }, "live request failed");
        const code = err instanceof RequestError ? err.code : "failed";
        // A capacity refusal reads as itself ("server full: …", "room full: …"), not as a broken request.
        const full = code === "server-full" || code === "room-full";
        reply({ ok: false, error: full ? message : `${name} failed: ${message}`, code });
      }
    });
  }
}
