/**
 * The OpenAPI 3.1 document of the admin API, generated from the route table's zod schemas
 * (api.ts). Served at `/api/openapi.json`; `schema/admin-openapi.json` is a copy checked in a test
 * (regenerate: `npm run schema:admin`).
 */
import { z } from 'zod';
import { ROUTES, ErrorBody } from './api.js';

type Json = Record<string, unknown>;

function jsonSchema(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  delete out.$schema;
  return out;
}

/** Lift `$defs` (from `.meta({ id })`) into components, rewriting the refs. */
function lift(schema: Json, components: Json): Json {
  const defs = schema.$defs as Json | undefined;
  delete schema.$defs;
  if (defs) for (const [k, v] of Object.entries(defs)) components[k] = v;
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
}

function parameters(s: z.ZodType | undefined, where: 'query' | 'path', components: Json): Json[] {
  if (!s) return [];
  const js = lift(jsonSchema(s, 'input'), components);
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

export function openApiDocument(): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  for (const r of ROUTES) {
    const pathParams = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } }));
    const op: Json = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      tags: [r.tag],
      security: [{ bearer: [] }],
      parameters: [...pathParams, ...parameters(r.query, 'query', components)],
      responses: {
        '200': r.sse
          ? { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }
          : { description: 'OK', content: { 'application/json': { schema: lift(jsonSchema(r.response, 'output'), components) } } },
        '400': { $ref: '#/components/responses/Error' },
        '401': { $ref: '#/components/responses/Error' },
        ...(r.method === 'POST' ? { '403': { $ref: '#/components/responses/Error' }, '409': { $ref: '#/components/responses/Error' }, '415': { $ref: '#/components/responses/Error' } } : {}),
      },
    };
    if ((op.parameters as unknown[]).length === 0) delete op.parameters;
    if (r.method === 'POST') op.requestBody = { required: true, content: { 'application/json': { schema: lift(jsonSchema(r.body ?? z.object({}), 'input'), components) } } };
    paths[r.path] = { ...(paths[r.path] ?? {}), [r.method.toLowerCase()]: op };
  }
  components.Error = lift(jsonSchema(ErrorBody, 'output'), components);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portcullis admin API',
      version: '1',
      description:
        'The admin port’s JSON API (the console uses nothing else). Every request needs `Authorization: Bearer <token>`: GETs the viewer or admin token, POSTs the admin token, `Content-Type: application/json` and a JSON object body. Host and Origin are checked (docs/admin.md).',
    },
    servers: [{ url: 'http://127.0.0.1:7401' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      responses: { Error: { description: 'Refused or failed: `rule` names the check', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '`<data dir>/admin-token` (or the viewer token for reads)' } },
    },
  };
}
