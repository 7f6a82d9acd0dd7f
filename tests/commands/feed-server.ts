import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server with one RSS feed and one article, for /sources tests. */
export async function startFeedServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/feed.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Loopback Strategic Review</title>
  <link>${base}/</link>
  <description>Test feed</description>
  <item>
    <title>Arctic shipping routes and Russia's northern fleet</title>
    <link>${base}/arctic</link>
    <guid>arctic-1</guid>
    <pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate>
    <description><![CDATA[<p>Russia has expanded its Northern Fleet patrols along the Northern Sea Route as Arctic ice retreats. Norway and NATO are watching closely, while China seeks a role as a near-Arctic state. The route could cut shipping times between Asia and Europe by a third, and Moscow treats it as internal waters. Analysts in Oslo expect more incidents as traffic grows.</p>]]></description>
  </item>
</channel></rss>`);
      return;
    }
    if (req.url === '/arctic') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Arctic shipping routes and Russia's northern fleet</title>
<meta property="article:published_time" content="2026-11-25T08:00:00Z"></head><body><article>
<h1>Arctic shipping routes and Russia's northern fleet</h1>
<p>Russia has expanded its Northern Fleet patrols along the Northern Sea Route as Arctic ice retreats. Norway and NATO are watching closely, while China seeks a role as a near-Arctic state.</p>
<p>The route could cut shipping times between Asia and Europe by a third, and Moscow treats it as internal waters. Analysts in Oslo expect more incidents as traffic grows, and insurers have begun to price the risk of detentions.</p>
<p>Beijing has financed Russian liquefied natural gas projects on the Yamal peninsula, and Chinese shipping companies have run trial voyages every summer since 2013. Washington calls the Russian rules a breach of freedom of navigation.</p>
</article></body></html>`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
