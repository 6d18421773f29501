// A short random id that ties a generic public error to the log line holding its detail: the caller sees
// "... (error 3f2a9c0d)", the operator greps the log for it.
import crypto from "node:crypto";

export function errorId(): string {
  return crypto.randomBytes(4).toString("hex");
}
