import Database from 'better-sqlite3';
import type { ChangeEntry, ChangeLog } from './types.ts';

const POLL_MS = 250;

/**
 * The change log in the `changes` table. AUTOINCREMENT never reuses a number, and SQLite has one writer
 * at a time, so a sequence is visible only after every lower one is: a reader never skips an entry.
 * watch() polls `PRAGMA data_version` on a connection of its own (it changes when any other connection,
 * in this process or another, commits) and fires only when the log's head moved.
 */
export function sqliteChangeLog(db: Database.Database, path: string): { log: ChangeLog; close(): void } {
  db.exec('CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, key TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO changes(namespace, key) VALUES(?, ?) RETURNING seq');
  const since = db.prepare('SELECT seq, namespace, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?');
  const headSql = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0) AS head";
  const head = db.prepare(headSql);
  const listeners = new Set<() => void>();
  let poller: { timer: NodeJS.Timeout; conn: Database.Database } | undefined;

  const startPolling = () => {
    if (path === ':memory:') return; // no other connection can write; append() notifies directly
    const conn = new Database(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
    const watchHead = conn.prepare(headSql).pluck();
    let version = conn.pragma('data_version', { simple: true });
    let lastHead = watchHead.get() as number;
    const timer = setInterval(() => {
      try {
        const now = conn.pragma('data_version', { simple: true });
        if (now === version) return;
        version = now;
        const current = watchHead.get() as number;
        if (current === lastHead) return;
        lastHead = current;
        for (const listener of [...listeners]) listener();
      } catch {
        // a busy or vanished file: try again at the next tick
      }
    }, POLL_MS);
    timer.unref();
    poller = { timer, conn };
  };
  const stopPolling = () => {
    if (!poller) return;
    clearInterval(poller.timer);
    poller.conn.close();
    poller = undefined;
  };

  const log: ChangeLog = {
    async append(namespace, key) {
      const seq = Number((insert.get(namespace, key) as { seq: number }).seq);
      if (path === ':memory:') for (const listener of [...listeners]) queueMicrotask(listener);
      return seq;
    },
    async since(after, limit = 1000) {
      return (since.all(after, limit) as ChangeEntry[]).map((e) => ({ ...e, seq: Number(e.seq) }));
    },
    async head() {
      return Number((head.get() as { head: number }).head);
    },
    watch(onChange) {
      listeners.add(onChange);
      if (!poller) startPolling();
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) stopPolling();
      };
    },
  };
  return { log, close: stopPolling };
}
