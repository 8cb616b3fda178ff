import type { Plugin } from 'graphql-yoga';
import type { FluxHandle } from '../flux/handle';

export interface HealthOptions {
  handle: FluxHandle;
  /** What the health answer names as the backend; a function is asked on every request. */
  backend: string | (() => string);
  /** How long the probe RPC may take before the backend counts as down. */
  timeoutMs?: number;
}

type Probe = { ok: true } | { ok: false; error: string };

/**
 * GET /healthz: the process answers: {"ok": true, "backend": "<uri>"} with 200, without asking Flux,
 * so that a supervisor does not restart a healthy server while the broker is away.
 * GET /readyz: Flux answers: 200 with the same body when the job-list service answers a cheap
 * request (list-attrs), else {"ok": false, "backend", "error"} with 503, so that a balancer
 * sends no traffic to a replica that cannot reach its instance.
 */
export function useHealthCheck(options: HealthOptions): Plugin {
  const timeoutMs = options.timeoutMs ?? 2000;
  const backend = options.backend;
  const backendName = typeof backend === 'function' ? backend : (): string => backend;
  const probeFlux = async (): Promise<Probe> => {
    try {
      await options.handle.rpc('job-list.list-attrs', {}, { timeoutMs });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  const probes: Record<string, () => Promise<Probe>> = {
    '/healthz': async () => ({ ok: true }),
    '/readyz': probeFlux,
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const probe = probes[url.pathname];
      if (probe === undefined) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const outcome = await probe();
      const body = outcome.ok ? { ok: true, backend: backendName() } : { ok: false, backend: backendName(), error: outcome.error };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: outcome.ok ? 200 : 503,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
