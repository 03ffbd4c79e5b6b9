// The /openapi.json the worker serves, parsed with the parts of OpenAPI 3.1 the suites read (raw JSON kept
// loose elsewhere), so tests that inspect the document read typed fields instead of `any`.
import { z } from "zod";
import { expectJson, rawCall } from "./helpers";

const Schema = z.looseObject({ $ref: z.string().optional(), required: z.array(z.string()).optional() });
const Content = z.record(z.string(), z.looseObject({ schema: Schema.optional() }));
const Operation = z.looseObject({
  operationId: z.string().optional(),
  summary: z.string().optional(),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
  requestBody: z.looseObject({ content: Content }).optional(),
  responses: z.record(z.string(), z.looseObject({ content: Content.optional() })),
});
const SecurityScheme = z.looseObject({
  type: z.string(),
  scheme: z.string().optional(),
  in: z.string().optional(),
  name: z.string().optional(),
  flows: z.looseObject({ clientCredentials: z.looseObject({ tokenUrl: z.string() }).optional() }).optional(),
});
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.looseObject({
    schemas: z.record(z.string(), Schema),
    securitySchemes: z.record(z.string(), SecurityScheme),
  }),
});

/** GET /openapi.json, which must answer 200 with a document of that shape. */
export async function openApiDocument() {
  const res = await rawCall("GET", "/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${res.text.slice(0, 300)}`);
  return expectJson(OpenApiDocument, res);
}
