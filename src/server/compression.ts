/**
 * Compressed answers for clients that accept them: large JSON results (a page of 1,000 jobs is
 * about 1 MB and shrinks tenfold) and the GraphiQL page (9 MB, the same every time, so it is
 * compressed once and served with an ETag for the browser to revalidate). Compression runs in
 * zlib's thread pool, off the event loop.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlibConstants } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const gzip = promisify(gzipCallback);

/** Below this, compressing costs more than it saves on any link. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 16 * 1024;
/** Level 4: most of level 6's ratio on JSON at about half the CPU. */
const GZIP_LEVEL = 4;

/** Whether Accept-Encoding allows gzip (a q of 0 refuses it). */
export function acceptsGzip(header: string | null): boolean {
  if (header === null) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** zlib's buffers are never shared memory, which is what the fetch types want to be told. */
function bytes(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}

interface CachedPage {
  etag: string;
  compressed: Buffer;
}

/**
 * The response's headers under lower-case names. A Headers built from yoga's keeps its
 * "Content-Type" spelling, which the copy's own get() and Response(text) then miss: the GraphiQL
 * page went out as text/plain to a client without gzip.
 */
function headersCopy(headers: Headers, fetchAPI: { Headers: typeof Headers }): Headers {
  const copy = new fetchAPI.Headers();
  headers.forEach((value, name) => copy.append(name.toLowerCase(), value));
  return copy;
}

export function useCompression(options: { thresholdBytes?: number } = {}): Plugin {
  const threshold = options.thresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES;
  const pages = new Map<string, Promise<CachedPage>>();

  const pageFor = (html: string): Promise<CachedPage> => {
    let cached = pages.get(html);
    if (cached === undefined) {
      cached = gzip(html, { level: zlibConstants.Z_BEST_COMPRESSION }).then((compressed) => ({
        etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`,
        compressed,
      }));
      pages.set(html, cached);
    }
    return cached;
  };

  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const type = response.headers.get('content-type') ?? '';
      const isPage = type.startsWith('text/html');
      if (!isPage && !type.includes('json')) return;
      const gzipOk = acceptsGzip(request.headers.get('accept-encoding'));
      if (!isPage && !gzipOk) return;
      // Only now: reading response.body makes whatwg-node copy a string answer into a Buffer and a
      // stream (a 1,000-job page is ~0.9 MB), which the answers that stay uncompressed never need.
      if (response.body === null || response.headers.has('content-encoding')) return;
      const length = response.headers.get('content-length');
      if (!isPage && length !== null && Number(length) < threshold) return;
      const headers = headersCopy(response.headers, fetchAPI);
      headers.append('vary', 'Accept-Encoding');
      const text = await response.text();
      if (isPage) {
        const page = await pageFor(text);
        headers.set('etag', page.etag);
        headers.set('cache-control', 'no-cache');
        if (request.headers.get('if-none-match') === page.etag) {
          headers.delete('content-type');
          setResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        if (gzipOk) {
          headers.set('content-encoding', 'gzip');
          headers.set('content-length', String(page.compressed.length));
          setResponse(new fetchAPI.Response(bytes(page.compressed), { status: response.status, headers }));
          return;
        }
      } else if (Buffer.byteLength(text) >= threshold) {
        const compressed = await gzip(text, { level: GZIP_LEVEL });
        headers.set('content-encoding', 'gzip');
        headers.set('content-length', String(compressed.length));
        setResponse(new fetchAPI.Response(bytes(compressed), { status: response.status, headers }));
        return;
      }
      // The body has been read: answer with the same text.
      setResponse(new fetchAPI.Response(text, { status: response.status, headers }));
    },
  };
}
