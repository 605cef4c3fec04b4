// Tells the Workers types what the main module exports, so `exports` from `cloudflare:workers`
// (tests, loopback bindings) is typed.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('./index.ts');
    durableNamespaces: 'Member';
  }
}
