/**
 * Stable error codes. Every code here is documented in docs/errors.md (a test checks it).
 * JSON-RPC errors carry the numeric code; `error.data.code` carries the PCX_ name.
 */
export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

export const ErrorCodes = {
  /** The pipeline denied the message (policy, detector, registry, flow rule...). */
  PCX_DENIED: -32010,
  /** The upstream server is not running or could not be started. */
  PCX_UPSTREAM_UNAVAILABLE: -32011,
  /** The upstream did not answer within `servers.<name>.timeout`. */
  PCX_UPSTREAM_TIMEOUT: -32012,
  /** The upstream process exited or the connection dropped while the call was in flight. */
  PCX_UPSTREAM_CLOSED: -32013,
  /** A message exceeded `limits.maxMessageBytes`. */
  PCX_MESSAGE_TOO_LARGE: -32014,
  /** A rate limit was hit. */
  PCX_RATE_LIMITED: -32015,
  /** The call waits for human approval. */
  PCX_APPROVAL_REQUIRED: -32016,
  /** The audit store could not record the decision and `audit.failClosed` is on. */
  PCX_AUDIT_UNAVAILABLE: -32017,
  /** The upstream sent something that is not valid JSON-RPC. */
  PCX_UPSTREAM_PROTOCOL: -32018,
  /** No such tool, prompt or resource. Tools hidden by policy get the very same answer (-32602, as the spec's servers answer for an unknown tool). */
  PCX_NOT_FOUND: -32602,
  /** The session was revoked or its credentials expired. */
  PCX_SESSION_REVOKED: -32019,
  /** The session is not initialized, or the method is unknown to every upstream. */
  PCX_NO_ROUTE: -32601,
  /** A fleet replica could not read or write a session's shared state (taint, record) in the store, so the request was not served. */
  PCX_STORE_UNAVAILABLE: -32023,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

export interface ErrorData {
  code: ErrorCodeName;
  decision?: 'deny' | 'approve';
  reason?: string;
  rule?: string;
  eventId?: string;
  [k: string]: unknown;
}

export function rpcError(id: string | number | null, name: ErrorCodeName, message: string, data?: Omit<ErrorData, 'code'>) {
  return {
    jsonrpc: '2.0' as const,
    id,
    error: { code: ErrorCodes[name], message, data: { code: name, ...data } },
  };
}

/** A plain JSON-RPC error with a standard code (parse error, invalid request...). */
export function jsonRpcError(id: string | number | null, code: number, message: string, data?: unknown) {
  return data === undefined
    ? { jsonrpc: '2.0' as const, id, error: { code, message } }
    : { jsonrpc: '2.0' as const, id, error: { code, message, data } };
}
