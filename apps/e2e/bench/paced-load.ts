// An open-loop load generator: requests leave at a steady rate whatever the server does, and each latency
// is counted from the moment its request was due, so a server that falls behind is charged for the wait
// (no coordinated omission). autocannon's own rate option cannot do this: it lets every connection send
// its per-second quota back to back at the start of each second, and corrects latencies as if requests were
// 1 ms apart.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PacedResult {
  /** Latency of every answered request, ms (due → answer complete). */
  latencies: number[];
  ok: number;
  non2xx: number;
  errors: number;
  /** Requests actually sent per second (may lag the target when this process is starved). */
  sentPerSecond: number;
  elapsedS: number;
}

export async function pacedLoad(
  url: string,
  body: () => string,
  { rate, durationS, connections }: { rate: number; durationS: number; connections: number },
): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const send = (dueAt: number) => {
    const payload = body();
    const done = new Promise<void>((resolve) => {
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(payload),
          },
          timeout: 30_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300)
              ok += 1;
            else non2xx += 1;
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        errors += 1;
        resolve();
      });
      request.end(payload);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const started = performance.now();
  const total = Math.round(rate * durationS);
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Everything due by now (timers fire late under load; the schedule does not slip).
    while (sent < total && started + (sent * 1000) / rate <= now) {
      send(started + (sent * 1000) / rate);
      sent += 1;
    }
    await sleep(1);
  }
  const sendingS = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  agent.destroy();
  return {
    latencies,
    ok,
    non2xx,
    errors,
    sentPerSecond: sent / sendingS,
    elapsedS: (performance.now() - started) / 1000,
  };
}
