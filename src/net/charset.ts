/** Parses `text/html; charset=windows-1251` into a lower-case MIME type and charset label. */
export function parseContentType(header: string | undefined): { mime?: string; charset?: string } {
  if (!header) return {};
  const [mime, ...params] = header.split(';');
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p)?.[1])
    .find(Boolean)
    ?.toLowerCase();
  return { mime: mime!.trim().toLowerCase() || undefined, charset };
}

function decoderFor(label: string | undefined): InstanceType<typeof TextDecoder> | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label);
  } catch {
    return undefined; // unknown label: fall through to the next source of truth
  }
}

/**
 * Decodes a body using, in order: a byte-order mark, the Content-Type charset, the XML prolog's
 * `encoding`, an HTML `<meta charset>` / http-equiv, then UTF-8. TextDecoder (full ICU in Node) covers the
 * legacy encodings (windows-125x, ISO-8859-x, KOI8-R, Shift_JIS, GBK…), so no transcoding library is needed.
 */
export function decodeBody(body: Buffer, headerCharset?: string, mime?: string): { text: string; charset: string } {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(body.subarray(3)), charset: 'utf-8' };
  if (body[0] === 0xff && body[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(body.subarray(2)), charset: 'utf-16le' };
  if (body[0] === 0xfe && body[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(body.subarray(2)), charset: 'utf-16be' };
  const candidates: Array<string | undefined> = [headerCharset];
  // The head of the document is ASCII-compatible in every encoding we can sniff this way.
  const head = body.subarray(0, 2048).toString('latin1');
  candidates.push(/^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1]);
  if (!mime || /html/.test(mime)) {
    candidates.push(/<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]);
  }
  for (const label of candidates) {
    const decoder = decoderFor(label?.toLowerCase());
    if (decoder) return { text: decoder.decode(body), charset: decoder.encoding };
  }
  return { text: new TextDecoder('utf-8').decode(body), charset: 'utf-8' };
}
