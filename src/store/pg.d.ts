// The few parts of `pg` (node-postgres, installed with @keyv/postgres and pg-boss) the store uses;
// the project does not carry @types/pg.
declare module 'pg' {
  export interface QueryResult<R = Record<string, unknown>> {
    rows: R[];
    rowCount: number | null;
  }
  export interface Notification {
    channel: string;
    payload?: string;
  }
  export interface PoolClient {
    query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<QueryResult<R>>;
    release(error?: Error | boolean): void;
  }
  export class Pool {
    constructor(options: { connectionString: string; max?: number });
    query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<QueryResult<R>>;
    connect(): Promise<PoolClient>;
    on(event: 'error', listener: (error: Error) => void): this;
    end(): Promise<void>;
  }
  export class Client {
    constructor(options: { connectionString: string });
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<QueryResult<R>>;
    on(event: 'notification', listener: (message: Notification) => void): this;
    on(event: 'error' | 'end', listener: (error?: Error) => void): this;
    end(): Promise<void>;
  }
  const pg: { Pool: typeof Pool; Client: typeof Client };
  export default pg;
}
