import { statSync } from 'node:fs';
import { fileMovedError } from './errors.ts';

/**
 * Notices that the database file was deleted or replaced under a running store: SQLite keeps writing to
 * the open (unlinked) inode, so every write would be confirmed and then lost at the next start. Compares
 * the path's device and inode with those recorded at open — one stat(2), cheap enough before every write.
 * Once tripped it stays tripped: only a restart reopens the file at the path.
 */
export class SqliteFileGuard {
  private readonly identity: string | undefined;
  private moved = false;

  constructor(private readonly path: string) {
    this.identity = path === ':memory:' ? undefined : identityOf(path);
  }

  check(): void {
    if (this.identity === undefined) return;
    if (!this.moved && identityOf(this.path) !== this.identity) this.moved = true;
    if (this.moved) throw fileMovedError(this.path);
  }
}

function identityOf(path: string): string | undefined {
  try {
    const { dev, ino } = statSync(path, { bigint: true });
    return `${dev}:${ino}`;
  } catch {
    return undefined;
  }
}
