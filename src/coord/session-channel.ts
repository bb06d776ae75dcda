/**
 * The coord channel of one old-era session in a fleet, and what travels on it. Every replica that
 * holds the session (serves its requests, or holds its GET stream) subscribes; messages from the
 * publishing replica itself are ignored by it.
 *
 *   notify    a message for the client's GET stream, produced on a replica that does not hold it
 *   response  the client's answer to a server→client request, posted to a replica that did not ask
 *   end       the session ended fleet-wide (DELETE, revocation): drop it and its streams
 */
export type SessionChannelMessage =
  | { from: string; t: 'notify'; msg: Record<string, unknown> }
  | { from: string; t: 'response'; msg: Record<string, unknown> }
  | { from: string; t: 'end'; reason: string };

export const sessionChannel = (id: string): string => `session:${id}`;

export function parseSessionChannelMessage(text: string): SessionChannelMessage | undefined {
  try {
    const m = JSON.parse(text) as SessionChannelMessage;
    if (!m || typeof m.from !== 'string') return undefined;
    if ((m.t === 'notify' || m.t === 'response') && m.msg && typeof m.msg === 'object') return m;
    if (m.t === 'end' && typeof m.reason === 'string') return m;
  } catch {
    /* not ours */
  }
  return undefined;
}
