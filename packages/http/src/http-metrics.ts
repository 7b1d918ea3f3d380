import { Counter, collectDefaultMetrics, Histogram, register } from 'prom-client';

const LABELS = ['service', 'method', 'route', 'status'] as const;

export interface HttpMetrics {
  requests: Counter<(typeof LABELS)[number]>;
  duration: Histogram<(typeof LABELS)[number]>;
}

let defaultMetricsStarted = false;

/**
 * The HTTP metrics of this process, in prom-client's default registry. Registered once: several apps
 * (or several test apps) in one process share them and tell themselves apart by the `service` label.
 */
export function httpMetrics(): HttpMetrics {
  if (!defaultMetricsStarted) {
    defaultMetricsStarted = true;
    collectDefaultMetrics();
  }
  const requests =
    (register.getSingleMetric('connector_http_requests_total') as HttpMetrics['requests'] | undefined) ??
    new Counter({
      name: 'connector_http_requests_total',
      help: 'HTTP requests answered, by matched route pattern and status code',
      labelNames: LABELS,
    });
  const duration =
    (register.getSingleMetric('connector_http_request_duration_seconds') as
      | HttpMetrics['duration']
      | undefined) ??
    new Histogram({
      name: 'connector_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to the end of its response',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  return { requests, duration };
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
