// JSON-RPC error thrown by method handlers; the server turns it into an `error` member.
// Codes follow stellar-rpc (jrpc2): -32600 invalid request, -32601 method not found,
// -32602 invalid params, -32603 internal error, -32700 parse error.

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const invalidParams = (message: string): RpcError => new RpcError(-32602, message);
