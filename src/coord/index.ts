import type { Config } from '../config/schema.js';
import { MemoryCoord } from './memory/index.js';
import type { Coord } from './types.js';

export type { Coord, RateResult } from './types.js';

export async function openCoord(config: Config): Promise<Coord> {
  const url = config.coord.redis?.url;
  if (!url) return new MemoryCoord();
  // Loaded only when configured: the stdio wrap starts with every client session, so startup matters.
  const { RedisCoord } = await import('./redis/index.js');
  const c = new RedisCoord(url);
  try {
    await c.connect();
  } catch (e) {
    await c.close();
    throw new Error(`coord.redis.url: cannot connect to ${url.replace(/\/\/[^@]*@/, '//***@')} (${(e as Error).message})`);
  }
  return c;
}
