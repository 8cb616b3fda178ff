import type { Plugin } from 'graphql-yoga';
import type { FluxHandle } from '../flux/handle';

export interface HealthOptions {
  handle: FluxHandle;
  /** What the health answer names as the backend; a function is asked on every request. */
  backend: string | (() => string);
  /** How long the probe RPC may take before the backend counts as down. */
  timeoutMs?: number;
}

/**
 * GET /healthz: {"ok": true, "backend": "<uri>"} with 200 when the job-list service answers a
 * cheap request (list-attrs), else {"ok": false, "backend", "error"} with 503.
 */
export function useHealthCheck(options: HealthOptions): Plugin {
  const timeoutMs = options.timeoutMs ?? 2000;
  const backend = options.backend;
  const backendName = typeof backend === 'function' ? backend : (): string => backend;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/healthz') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      let body: { ok: boolean; backend: string; error?: string };
      try {
        await options.handle.rpc('job-list.list-attrs', {}, { timeoutMs });
        body = { ok: true, backend: backendName() };
      } catch (error) {
        body = { ok: false, backend: backendName(), error: error instanceof Error ? error.message : String(error) };
      }
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: body.ok ? 200 : 503,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
