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
 * Per-connection flood protection: a token bucket per key, in this process. It guards the database and
 * Redis against a runaway trigger loop (a misconfigured RetailCRM automation), not the upstream APIs —
 * those have their own cross-process limits in the workers. With several ingress processes behind a
 * load balancer a tenant may get up to that many times the limit, which is fine for this purpose.
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
