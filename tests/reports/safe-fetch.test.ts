import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, SafeFetcher, type Resolver, type SafeFetchOptions } from '../../src/net/safe-fetch.ts';
import { addressRefusal } from '../../src/net/address-policy.ts';
import { startHttpServer, streamFiller, type TestHttpServer } from '../support/http-server.ts';

const PUBLIC_IP = '93.184.216.34';

/** Fake DNS: every name here resolves without the network. */
const dns: Record<string, string[]> = {
  'news.example': [PUBLIC_IP],
  'intranet.example': ['10.1.2.3'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': [PUBLIC_IP, '192.168.1.10'],
  'v6local.example': ['fd12:3456::1'],
  localhost: ['127.0.0.1'],
};
const resolver: Resolver = async (host) => {
  const addresses = dns[host];
  if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let server: TestHttpServer;
beforeAll(async () => {
  server = await startHttpServer({
    '/ok': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<p>hello</p>' },
    '/to-loopback': () => ({ status: 302, headers: { location: `http://127.0.0.1:${server.port}/secret` } }),
    '/to-intranet': { status: 301, headers: { location: 'http://intranet.example/admin' } },
    '/to-metadata': { status: 307, headers: { location: 'http://metadata.example/latest/meta-data/' } },
    '/to-ok': () => ({ status: 302, headers: { location: '/ok' } }),
    '/to-file': { status: 302, headers: { location: 'file:///etc/passwd' } },
    '/loop': { status: 302, headers: { location: '/loop' } },
    '/secret': { body: 'internal data' },
    '/cp1251': { headers: { 'content-type': 'text/plain; charset=windows-1251' }, body: Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]) },
    '/xml-latin1': {
      headers: { 'content-type': 'application/xml' },
      body: Buffer.concat([
        Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>'),
        Buffer.from([0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e]),
        Buffer.from('</t>'),
      ]),
    },
    '/meta-charset': {
      headers: { 'content-type': 'text/html' },
      body: Buffer.concat([
        Buffer.from('<html><head><meta charset="koi8-r"></head><body>'),
        Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]),
        Buffer.from('</body></html>'),
      ]),
    },
    '/etag': (req) =>
      req.headers['if-none-match'] === '"v1"'
        ? { status: 304 }
        : { headers: { etag: '"v1"', 'last-modified': 'Mon, 14 Aug 2023 10:00:00 GMT', 'content-type': 'text/plain' }, body: 'fresh' },
    '/big-declared': { headers: { 'content-type': 'text/html', 'content-length': String(50 * 1024 * 1024) }, body: '' },
    '/big-stream': (_req, res) => {
      // 50 MB streamed without a length header, chunk by chunk: the client must stop reading early.
      res.writeHead(200, { 'content-type': 'text/html' });
      streamFiller(res, 50 * 1024 * 1024, 0x61);
    },
    '/hang': () => new Promise(() => undefined),
    '/hang-mid-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '1000' });
      res.write('<p>the start of a page that never finishes');
    },
    '/image': { headers: { 'content-type': 'image/png' }, body: 'png' },
    '/gzip-stall': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.write(gzipSync('<p>' + 'x'.repeat(5000)).subarray(0, 20));
    },
    '/gzip': { headers: { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' }, body: gzipSync('<p>Компрессия работает</p>') },
    '/brotli': { headers: { 'content-type': 'text/html', 'content-encoding': 'br' }, body: brotliCompressSync('<p>brotli body</p>') },
    '/bomb': { headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)) },
    '/corrupt-gzip': { headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' }, body: 'definitely not gzip' },
  });
});
afterAll(async () => {
  await server.close();
});

function fetcher(overrides: Partial<SafeFetchOptions> = {}) {
  return new SafeFetcher({ timeoutMs: 1500, maxBytes: 1024 * 1024, maxRedirects: 3, allowPrivate: false, resolver, ...overrides });
}

/** A fetcher where news.example is "public" but is dialled on the loopback test server. */
function publicViaLoopback(overrides: Partial<SafeFetchOptions> = {}) {
  return fetcher({ dial: (vetted) => (vetted.address === PUBLIC_IP ? { address: '127.0.0.1', family: 4 } : vetted), ...overrides });
}

async function refusal(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

describe('SSRF guard (FETCH_ALLOW_PRIVATE=false)', () => {
  const f = fetcher();
  afterAll(() => f.close());

  it.each([
    ['http://127.0.0.1:9/', /127\.0\.0\.1 is a loopback address/],
    ['http://10.0.0.7/', /10\.0\.0\.7 is a private network address/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
    ['http://[::1]:8080/', /::1 is a loopback address/],
    ['http://[fe80::1]/', /link-local/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/], // decimal form of 127.0.0.1
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://localhost:1234/', /"localhost": 127\.0\.0\.1 is a loopback address/],
    ['http://intranet.example/', /"intranet\.example": 10\.1\.2\.3 is a private network address/],
    ['http://metadata.example/', /link-local/],
    ['http://v6local.example/', /unique-local/],
    ['http://mixed.example/', /192\.168\.1\.10 is a private network address/],
  ])('refuses %s', async (url, message) => {
    const error = await refusal(f.fetch(url));
    expect(error.code).toBe('fetch_refused');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/FETCH_ALLOW_PRIVATE/);
  });

  it('refuses non-http schemes and credentials in URLs', async () => {
    expect((await refusal(f.fetch('file:///etc/passwd'))).message).toMatch(/only http and https URLs are allowed, not file/);
    expect((await refusal(f.fetch('gopher://news.example/'))).message).toMatch(/not gopher/);
    expect((await refusal(f.fetch('http://user:pw@news.example/'))).message).toMatch(/credentials/);
    expect((await refusal(f.fetch('not a url'))).message).toMatch(/not a valid URL/);
  });

  it('refuses a public host that redirects to a private address, without requesting it', async () => {
    const p = publicViaLoopback();
    try {
      const before = server.requests.length;
      const toLoopback = await refusal(p.fetch(`http://news.example:${server.port}/to-loopback`));
      expect(toLoopback.message).toMatch(/127\.0\.0\.1 is a loopback address/);
      expect((await refusal(p.fetch(`http://news.example:${server.port}/to-intranet`))).message).toMatch(/10\.1\.2\.3 is a private network address/);
      expect((await refusal(p.fetch(`http://news.example:${server.port}/to-metadata`))).message).toMatch(/link-local/);
      expect((await refusal(p.fetch(`http://news.example:${server.port}/to-file`))).message).toMatch(/only http and https/);
      const paths = server.requests.slice(before).map((r) => r.path);
      expect(paths).toEqual(['/to-loopback', '/to-intranet', '/to-metadata', '/to-file']);
      // The public path works, so the refusals above are about the redirect target only.
      const ok = await p.fetch(`http://news.example:${server.port}/to-ok`);
      expect(ok.text).toBe('<p>hello</p>');
      expect(ok.url).toBe(`http://news.example:${server.port}/ok`);
    } finally {
      await p.close();
    }
  });

  it('classifies addresses with ipaddr.js ranges', () => {
    expect(addressRefusal('8.8.8.8')).toBeUndefined();
    expect(addressRefusal('2606:4700::1111')).toBeUndefined();
    expect(addressRefusal('100.64.0.1')).toMatch(/carrier-grade NAT/);
    expect(addressRefusal('224.0.0.1')).toMatch(/multicast/);
  });
});

describe('IPv6 addresses that embed an IPv4 address are judged by the embedded address', () => {
  // Teredo client 127.0.0.1 is stored inverted: 0x7f000001 ^ 0xffffffff = 0x80fffffe.
  it.each([
    ['IPv4-compatible ::/96', '::127.0.0.1', /127\.0\.0\.1, which is a loopback address/],
    ['IPv4-compatible ::/96 (hex)', '::a00:1', /10\.0\.0\.1, which is a private network address/],
    ['IPv4-mapped ::ffff:0:0/96', '::ffff:169.254.169.254', /169\.254\.169\.254, which is a link-local address/],
    ['IPv4-translated ::ffff:0:0:0/96', '::ffff:0:c0a8:101', /192\.168\.1\.1, which is a private/],
    ['6to4 2002::/16', '2002:7f00:1::1', /6to4 for 127\.0\.0\.1/],
    ['6to4 2002::/16 (metadata)', '2002:a9fe:a9fe::', /169\.254\.169\.254, which is a link-local/],
    ['NAT64 64:ff9b::/96', '64:ff9b::10.0.0.1', /NAT64 for 10\.0\.0\.1/],
    ['local NAT64 64:ff9b:1::/48', '64:ff9b:1::7f00:1', /NAT64 for 127\.0\.0\.1/],
    ['Teredo 2001::/32 (client)', '2001:0:5db8:d822:0:0:80ff:fffe', /Teredo for client 127\.0\.0\.1/],
    ['Teredo 2001::/32 (server)', '2001:0:a00:1:0:0:a247:2ddd', /Teredo via server 10\.0\.0\.1/],
  ])('refuses %s with a private embedded address (%s)', (_range, address, message) => {
    expect(addressRefusal(address)).toMatch(message);
  });

  it.each([
    ['IPv4-compatible ::/96', '::93.184.216.34'],
    ['IPv4-mapped ::ffff:0:0/96', '::ffff:93.184.216.34'],
    ['IPv4-translated ::ffff:0:0:0/96', '::ffff:0:5db8:d822'],
    ['6to4 2002::/16', '2002:5db8:d822::1'],
    ['NAT64 64:ff9b::/96', '64:ff9b::93.184.216.34'],
    ['local NAT64 64:ff9b:1::/48', '64:ff9b:1::5db8:d822'],
    // client 93.184.216.34 inverted is a247:27dd; server 8.8.8.8.
    ['Teredo 2001::/32', '2001:0:808:808:0:0:a247:27dd'],
  ])('allows %s with a public embedded address (%s)', (_range, address) => {
    expect(addressRefusal(address)).toBeUndefined();
  });

  it('refuses a URL with an IPv4-compatible IPv6 literal before connecting', async () => {
    const f = fetcher();
    try {
      const error = await refusal(f.fetch('http://[::127.0.0.1]:9/'));
      expect(error.code).toBe('fetch_refused');
      expect(error.message).toMatch(/127\.0\.0\.1, which is a loopback address/);
    } finally {
      await f.close();
    }
  });
});

describe('limits, errors and decoding (FETCH_ALLOW_PRIVATE=true for the loopback server)', () => {
  const f = fetcher({ allowPrivate: true });
  afterAll(() => f.close());

  it('follows redirects up to the limit and names the limit when exceeded', async () => {
    expect((await f.fetch(`${server.url}/to-ok`)).text).toBe('<p>hello</p>');
    const error = await refusal(f.fetch(`${server.url}/loop`));
    expect(error.message).toMatch(/Too many redirects \(more than 3\)/);
  });

  it('stops at the byte limit, both from Content-Length and while streaming 50 MB', async () => {
    expect((await refusal(f.fetch(`${server.url}/big-declared`))).message).toMatch(/larger than the 1 MB limit \(FETCH_MAX_BYTES\)/);
    const before = process.memoryUsage().rss;
    const error = await refusal(f.fetch(`${server.url}/big-stream`));
    expect(error.code).toBe('fetch_too_large');
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('times out on a server that never answers and on one that stalls mid-body', async () => {
    const hang = await refusal(f.fetch(`${server.url}/hang`));
    expect(hang.code).toBe('fetch_timeout');
    expect(hang.message).toMatch(/Timed out after 2 s/);
    expect((await refusal(f.fetch(`${server.url}/hang-mid-body`))).code).toBe('fetch_timeout');
  });

  it('names HTTP errors, unresolvable hosts and refused content types', async () => {
    const missing = await refusal(f.fetch(`${server.url}/nope`));
    expect(missing.message).toMatch(/answered HTTP 404 \(not found\)/);
    expect(missing.status).toBe(404);
    expect((await refusal(f.fetch('http://no-such-host.example/'))).message).toMatch(/Could not resolve host "no-such-host\.example": ENOTFOUND/);
    expect((await refusal(f.fetch(`${server.url}/image`, { kind: 'article' }))).message).toMatch(/is image\/png, not an article page/);
    expect((await refusal(f.fetch(`${server.url}/image`, { kind: 'feed' }))).message).toMatch(/not a feed/);
  });

  it('decodes legacy charsets from the header, the XML prolog and an HTML meta tag', async () => {
    const cp = await f.fetch(`${server.url}/cp1251`);
    expect(cp.text).toBe('Привет');
    expect(cp.charset).toBe('windows-1251');
    expect((await f.fetch(`${server.url}/xml-latin1`)).text).toContain('München');
    expect((await f.fetch(`${server.url}/meta-charset`)).text).toContain('Привет');
  });

  it('decompresses gzip and brotli, applying the byte limit to the decompressed size', async () => {
    expect((await f.fetch(`${server.url}/gzip`)).text).toBe('<p>Компрессия работает</p>');
    expect((await f.fetch(`${server.url}/brotli`)).text).toBe('<p>brotli body</p>');
    expect(server.requests.at(-1)!.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect((await refusal(f.fetch(`${server.url}/bomb`))).message).toMatch(/larger than the 1 MB limit/);
    expect((await refusal(f.fetch(`${server.url}/corrupt-gzip`))).message).toMatch(/corrupt compressed body/);
    expect((await refusal(f.fetch(`${server.url}/gzip-stall`))).code).toBe('fetch_timeout');
  });

  it('sends conditional headers and reports 304 Not Modified', async () => {
    const first = await f.fetch(`${server.url}/etag`);
    expect(first).toMatchObject({ status: 200, text: 'fresh', etag: '"v1"', lastModified: 'Mon, 14 Aug 2023 10:00:00 GMT' });
    const second = await f.fetch(`${server.url}/etag`, { etag: first.etag, lastModified: first.lastModified });
    expect(second).toMatchObject({ status: 304, notModified: true, text: '' });
    const sent = server.requests.filter((r) => r.path === '/etag').at(-1)!;
    expect(sent.headers['if-none-match']).toBe('"v1"');
    expect(sent.headers['if-modified-since']).toBe('Mon, 14 Aug 2023 10:00:00 GMT');
  });
});
