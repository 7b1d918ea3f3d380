export interface FloodGuardOptions {
  /** Sustained triggers per second per key; also the burst a quiet key may send at once. */
  perSecond: number;
  now?: () => number;
}

export type FloodDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface FloodGuard {
  take(key: string): FloodDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Keys tracked before idle ones are forgotten (an idle key's bucket is full: forgetting it changes nothing). */
const SWEEP_AT = 10_000;

/**
 * A token bucket per key, in this process. The ingress keeps two (see ingress-app.ts): one per connection,
 * set far above any real shop's bulk status change — a real RetailCRM account sends each trigger once and
 * never retries, so a refused real trigger is lost; repeated triggers of one order need no limit, they
 * merge into the order's pending job (`dedupeId`) — which only stops a runaway loop from filling the
 * database and Redis; and a tighter one for database lookups of client ids that never named a connection.
 * Neither guards the upstream APIs: the workers have cross-process limits for those. With several ingress
 * processes behind a load balancer a key may get up to that many times the limit, which is fine here.
 */
export function createFloodGuard({ perSecond, now = Date.now }: FloodGuardOptions): FloodGuard {
  const buckets = new Map<string, Bucket>();
  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((at - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = at;
  };
  const sweep = (at: number) => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= perSecond) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= SWEEP_AT) sweep(at);
        bucket = { tokens: perSecond, updatedAt: at };
        buckets.set(key, bucket);
      } else {
        refill(bucket, at);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) };
    },
  };
}
