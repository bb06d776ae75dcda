/** JSON-RPC as the relay sees it: parsed once, passed along as plain objects. */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON object (a parsed message or part of one). */
export type Json = Record<string, unknown>;

/** A JSON-RPC request id. */
export type RpcId = string | number;

/** A parsed JSON-RPC message as the relay sees it: parsed once, handed to interceptors as is. */
export type JsonRpcObject = JSONRPCMessage & Record<string, unknown>;
