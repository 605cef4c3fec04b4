import type { Credentials } from '../../auth/index.ts';

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder();

/**
 * The request's credentials as etcd reads them: `r.Header.Get("Authorization") == ""` means none
 * (the guest's access); otherwise Go's `Request.BasicAuth` (net/http `parseBasicAuth`, Go 1.19):
 * a case-insensitive `Basic ` prefix, then standard base64 with its padding (Go's
 * `StdEncoding`, which also skips CR and LF), then `user:password` cut at the first colon.
 */
export function requestCredentials(request: Request): Credentials {
  const header = request.headers.get('Authorization') ?? '';
  if (header === '') return { kind: 'none' };
  const prefix = 'basic ';
  if (header.length < prefix.length || header.slice(0, prefix.length).toLowerCase() !== prefix) return { kind: 'malformed' };
  const encoded = header.slice(prefix.length).replace(/[\r\n]/g, '');
  if (!STRICT_BASE64.test(encoded)) return { kind: 'malformed' };
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = utf8.decode(bytes);
  const colon = text.indexOf(':');
  if (colon === -1) return { kind: 'malformed' };
  return { kind: 'basic', username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * The client a failed login is counted against: the address Cloudflare's edge puts in
 * `CF-Connecting-IP` (the front door passes the header on to the member). A request without it
 * (only possible off Cloudflare, where a client could also set it) counts as one shared client.
 */
export function clientAddress(request: Request): string {
  return request.headers.get('CF-Connecting-IP') ?? 'unknown';
}
