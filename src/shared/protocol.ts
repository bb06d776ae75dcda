/**
 * The session-era protocol revisions the gateway negotiates, as the MCP SDK (v1) names them. Kept here
 * rather than imported from `@modelcontextprotocol/sdk/types.js` because that module builds a zod schema for
 * every MCP message when it loads (~1 MB of heap the gateway never uses: it parses each message once and
 * checks what it needs itself). `src/shared/protocol.test.ts` fails when the SDK's lists change, so a new
 * revision is taken in on purpose.
 */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];
