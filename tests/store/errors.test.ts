import { describe, expect, it } from 'vitest';
import { postgresOpenError, redactUrl, redisOpenError, sqliteOpenError } from '../../src/store/errors.ts';

describe('store open errors', () => {
  it('never show a password, however it is spelled', () => {
    expect(redactUrl('redis://default:p%40ss:word@127.0.0.1:6379/2')).toBe('redis://default:***@127.0.0.1:6379/2');
    expect(redactUrl('postgres://sitrep:hunter2@db.internal:5432/sitrep?sslmode=require')).toBe(
      'postgres://sitrep:***@db.internal:5432/sitrep?sslmode=require',
    );
    expect(redactUrl('rediss://:only-a-password@cache:6380')).toBe('rediss://:***@cache:6380');
    expect(redactUrl('postgres://sitrep@db/sitrep')).toBe('postgres://sitrep@db/sitrep');
    const message = redisOpenError('redis://u:topsecret@h:1', new Error('connect ECONNREFUSED h:1')).message;
    expect(message).not.toContain('topsecret');
  });

  it('give advice that fits the cause', () => {
    const pgCause = (code: string, text: string) => Object.assign(new Error(text), { code });
    expect(postgresOpenError('postgres://a@h/db1', pgCause('3D000', 'database "db1" does not exist')).message).toMatch(/createdb db1/);
    expect(postgresOpenError('postgres://a:b@h/db', pgCause('28P01', 'password authentication failed')).message).toMatch(/user name and password/);
    expect(postgresOpenError('postgres://a@h/db', pgCause('42501', 'permission denied for schema public')).message).toMatch(/grant it CREATE/);
    expect(redisOpenError('redis://h:1/40', new Error('ERR DB index is out of range')).message).toMatch(/database number/);
    expect(redisOpenError('redis://h:1', new Error('WRONGPASS invalid username-password pair')).message).toMatch(/user name and password/);
    expect(sqliteOpenError('/data/s.sqlite', Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' })).message).toMatch(
      /Restore it from a backup/,
    );
    expect(sqliteOpenError('/data/s.sqlite', Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' })).message).toMatch(
      /fix the owner or permissions/,
    );
  });
});
