// Types for the benchmark-only peers, so `npm run typecheck` passes without bench/node_modules
// (CI never installs the peers; `npm run bench` does).
declare module 'js-rouge' {
  interface RougeOptions {
    beta?: number;
  }
  export function n(candidate: string, reference: string, options?: RougeOptions & { n?: number }): number;
  export function l(candidate: string, reference: string, options?: RougeOptions): number;
}
