/**
 * What the server makes of its connection to Flux going and coming back: the broker gauge and
 * reconnect counter, and one log line when the connection is lost and one when it is back, however
 * many requests fail in between.
 */
import type { Logger } from 'pino';
import type { FluxHandle } from '../flux/handle';
import type { ServerMetrics } from './metrics';

export interface BrokerConnectionObservers {
  metrics: ServerMetrics;
  /** Told of each loss and each return (default: nobody). */
  logger?: Logger;
}

/** Watches `handle` for as long as it lives; returns what stops watching. */
export function watchBrokerConnection(handle: FluxHandle, { metrics, logger }: BrokerConnectionObservers): () => void {
  // A handle that cannot lose its connection (the embedded instance) is always connected.
  if (handle.watchConnection === undefined) {
    metrics.setBrokerConnected(true);
    return () => undefined;
  }
  return handle.watchConnection((event) => {
    switch (event.state) {
      case 'connected':
        metrics.setBrokerConnected(true);
        return;
      case 'lost':
        metrics.setBrokerConnected(false);
        logger?.warn({ uri: handle.uri, reason: event.reason }, 'flux connection lost');
        return;
      case 'reconnected':
        metrics.setBrokerConnected(true);
        metrics.brokerReconnected();
        logger?.info({ uri: handle.uri, downMs: event.downMs, attempts: event.attempts }, 'flux connection back');
        return;
    }
  });
}
