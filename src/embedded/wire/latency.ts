import type { ServiceHandler } from '../service/service-types';

/**
 * The service as a slower broker would offer it: every request reaches it `latencyMs` later.
 * Equal delays keep requests in arrival order, so a client's disconnect still follows its
 * requests. With no latency the service itself is returned.
 */
export function withLatency(service: ServiceHandler, latencyMs: number): ServiceHandler {
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`latency must be a number of milliseconds >= 0, got ${latencyMs}`);
  if (latencyMs === 0) return service;
  return {
    handle(request, respond) {
      setTimeout(() => service.handle(request, respond), latencyMs);
    },
  };
}
