/** A filter or cursor the read model cannot serve (the edge's query parsing throws it too); the message names the value. */
export class QueryError extends Error {
  override name = "QueryError";
}
