import Database from 'better-sqlite3';
import { type BackendChangeLog, changeWindow } from './backend.ts';
import type { ChangeEntry } from './types.ts';

const POLL_MS = 250;

/**
 * The change log in the `changes` table. AUTOINCREMENT never reuses a number, and SQLite has one writer
 * at a time, so a sequence is visible only after every lower one is: a reader never skips an entry.
 * watch() polls `PRAGMA data_version` on a connection of its own (it changes when any other connection,
 * in this process or another, commits) and fires only when the log's head moved.
 * Retention deletes a prefix of the log and records the last deleted seq in `change_log_meta`, so a reader
 * behind it learns (readSince) that it missed entries.
 */
export function sqliteChangeLog(db: Database.Database, path: string, now: () => number): { log: BackendChangeLog; close(): void } {
  db.exec(
    'CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL DEFAULT 0)',
  );
  const columns = new Set((db.pragma('table_info(changes)') as Array<{ name: string }>).map((c) => c.name));
  if (!columns.has('at')) {
    // Entries of earlier versions count from the upgrade, so the first trim does not drop them all at once.
    db.exec('ALTER TABLE changes ADD COLUMN at INTEGER NOT NULL DEFAULT 0');
    db.prepare('UPDATE changes SET at = ?').run(now());
  }
  db.exec('CREATE TABLE IF NOT EXISTS change_log_meta(id INTEGER PRIMARY KEY CHECK (id = 1), trimmed_through INTEGER NOT NULL)');
  // Only when missing: a read-only file that has the row must still open (for reads).
  if (!db.prepare('SELECT 1 FROM change_log_meta WHERE id = 1').get()) db.exec('INSERT INTO change_log_meta(id, trimmed_through) VALUES(1, 0)');
  const insert = db.prepare('INSERT INTO changes(namespace, key, at) VALUES(?, ?, ?) RETURNING seq');
  const insertMany = db.transaction((namespace: string, keys: string[], at: number) =>
    keys.map((key) => Number((insert.get(namespace, key, at) as { seq: number }).seq)),
  );
  const trimmed = db.prepare('SELECT trimmed_through FROM change_log_meta WHERE id = 1').pluck();
  const oldest = db.prepare('SELECT COALESCE(MIN(seq), 0) FROM changes').pluck();
  const beyondCount = db.prepare('SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET ?').pluck();
  const firstYoung = db.prepare('SELECT seq FROM changes WHERE at >= ? ORDER BY seq LIMIT 1').pluck();
  const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM changes').pluck();
  const deleteThrough = db.prepare('DELETE FROM changes WHERE seq <= ?');
  const setTrimmed = db.prepare('UPDATE change_log_meta SET trimmed_through = MAX(trimmed_through, ?) WHERE id = 1');
  const trim = db.transaction((olderThanMs: number, maxEntries: number): number => {
    const young = firstYoung.get(olderThanMs) as number | undefined;
    const byAge = young === undefined ? (lastSeq.get() as number) : young - 1;
    const byCount = (beyondCount.get(maxEntries) as number | undefined) ?? 0;
    const through = Math.max(byAge, byCount);
    if (through <= (trimmed.get() as number)) return 0;
    const deleted = deleteThrough.run(through).changes;
    setTrimmed.run(through);
    return deleted;
  });
  const readSince = db.transaction((after: number, limit: number) => ({
    rows: since.all(after, limit) as ChangeEntry[],
    trimmedThrough: Number(trimmed.get()),
  }));
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

  const log: BackendChangeLog = {
    async append(namespace, key) {
      const seq = Number((insert.get(namespace, key, now()) as { seq: number }).seq);
      if (path === ':memory:') for (const listener of [...listeners]) queueMicrotask(listener);
      return seq;
    },
    async appendMany(namespace, keys) {
      const seqs = insertMany(namespace, keys, now());
      if (path === ':memory:') for (const listener of [...listeners]) queueMicrotask(listener);
      return seqs;
    },
    async since(after, limit = 1000) {
      return (since.all(after, limit) as ChangeEntry[]).map((e) => ({ ...e, seq: Number(e.seq) }));
    },
    async head() {
      return Number((head.get() as { head: number }).head);
    },
    async oldest() {
      return Number(oldest.get());
    },
    async readSince(after, limit) {
      const { rows, trimmedThrough } = readSince(after, limit);
      return changeWindow(
        rows.map((e) => ({ ...e, seq: Number(e.seq) })),
        after,
        trimmedThrough,
      );
    },
    async trim(olderThanMs, maxEntries) {
      return trim(olderThanMs, maxEntries);
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
