/** Responses Go's net/http and encoding/json write the same way for every API. */

/** Go's `json.Encoder.Encode`: the JSON, then a newline. */
export function jsonBody(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Go's `http.NotFound`. */
export function notFound(): Response {
  return new Response('404 page not found\n', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  });
}

/** etcd's `allowMethod`: 405 with `Allow` listing what the route takes. */
export function methodNotAllowed(allowed: readonly string[]): Response {
  return new Response('Method Not Allowed\n', {
    status: 405,
    headers: { Allow: allowed.join(','), 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  });
}
