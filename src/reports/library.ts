// The library lives in ./library/ (one job per file: index.ts the façade, identity, search-index,
// snapshot, tenancy, repository); this path stays for the modules that import it.
export * from './library/index.ts';
