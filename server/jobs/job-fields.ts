// The job options from an upload form's text fields. Numeric fields must be written as decimal
// numbers: coercion alone would read "" as 0 and "0x1" or "1e0" as 1.
import { z } from "zod";
import { HttpError } from "./http-error.js";
import { type JobOptions, jobOptionsSchema } from "./job.js";

const decimal = /^-?(\d+(\.\d+)?|\.\d+)$/;

/** Every field of the options schema that holds a number. */
const numericFields = Object.entries(jobOptionsSchema.shape)
  .filter(([, type]) => (type instanceof z.ZodDefault ? type.unwrap() : type) instanceof z.ZodNumber)
  .map(([name]) => name);

/** The options, or a 400 naming the first bad field. */
export function parseJobFields(fields: Record<string, string>): JobOptions {
  for (const name of numericFields) {
    const value = fields[name];
    if (value !== undefined && !decimal.test(value))
      throw new HttpError(400, `invalid ${name}: expected a decimal number, got "${value}"`);
  }
  const options = jobOptionsSchema.safeParse(fields);
  if (!options.success) {
    const issue = options.error.issues[0];
    throw new HttpError(400, `invalid ${issue?.path.join(".") || "field"}: ${issue?.message}`);
  }
  return options.data;
}
