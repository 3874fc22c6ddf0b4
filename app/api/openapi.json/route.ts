import { openApiDocument } from '@/lib/openapi/document';

/** The OpenAPI 3.1 description, generated from the schemas the routes validate with. */
export function GET(): Response {
  return Response.json(openApiDocument(), { headers: { 'Cache-Control': 'no-cache' } });
}
