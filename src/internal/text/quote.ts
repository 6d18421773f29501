// How a caller's value is named in a one-line error message: printable ASCII only, and cut, so that a hostile or
// huge value can neither forge lines in a log nor flood it.

/** The value as a JSON string, anything outside printable ASCII as "?", cut to 80 characters. */
export function quoteValue(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(printable.length > 80 ? `${printable.slice(0, 77)}...` : printable);
}
