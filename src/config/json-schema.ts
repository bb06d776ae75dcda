/** JSON Schema of the config, generated from the zod schema (editors use it for completion and checks). */
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

export function generateSchema(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const out = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/portcullis-mcp/portcullis/schema/portcullis.schema.json',
    title: 'Portcullis configuration',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
