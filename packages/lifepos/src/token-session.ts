import type { LifePosLogger } from './logger.js';
import type { TokenStore } from './token-store.js';

export interface SessionToken {
  token: string;
  /** True when the token came from a sign-in made for this very call (a 401 with it cannot be cured by another). */
  fresh: boolean;
}

export interface TokenSession {
  /** The cached token, or one from a sign-in (shared with concurrent callers). */
  current(): Promise<SessionToken>;
  /**
   * A token other than `stale`: the one another caller or process already put in the store, else from a
   * new sign-in. Concurrent renewals in this process share one sign-in.
   */
  renew(stale: string | undefined): Promise<SessionToken>;
  /** Signs in now (joining a sign-in already in flight), whatever the store holds. */
  signIn(): Promise<SessionToken>;
}

// Single flight per (store, key), across client instances: clients are created per job, and twenty jobs of
// one tenant hitting an expired token together must cause one sign-in, not twenty.
const flights = new WeakMap<TokenStore, Map<string, Promise<SessionToken>>>();

function flightsOf(store: TokenStore): Map<string, Promise<SessionToken>> {
  let map = flights.get(store);
  if (map === undefined) {
    map = new Map();
    flights.set(store, map);
  }
  return map;
}

export function createTokenSession({
  store,
  key,
  ttlMs,
  signIn,
  logger,
}: {
  store: TokenStore;
  key: string;
  ttlMs: number;
  signIn: () => Promise<string>;
  logger: LifePosLogger;
}): TokenSession {
  const inFlight = flightsOf(store);

  function fly(stale: string | undefined, force: boolean): Promise<SessionToken> {
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const flight = (async (): Promise<SessionToken> => {
      if (!force) {
        const stored = await store.get(key);
        if (stored !== undefined && stored !== stale) return { token: stored, fresh: false };
      }
      const token = await signIn();
      try {
        await store.set(key, token, ttlMs);
      } catch (error) {
        // The token is good; only sharing it failed. Use it here and let the next caller sign in again.
        logger.warn('lifepos token not cached', { tokenKey: key, error: (error as Error).message });
      }
      return { token, fresh: true };
    })();
    // Registered before the first await inside, so callers arriving in the same tick join this flight.
    inFlight.set(key, flight);
    const release = () => {
      if (inFlight.get(key) === flight) inFlight.delete(key);
    };
    flight.then(release, release);
    return flight;
  }

  return {
    async current() {
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const stored = await store.get(key);
      if (stored !== undefined) return { token: stored, fresh: false };
      return fly(undefined, false);
    },
    async renew(stale) {
      const renewed = await fly(stale, false);
      // A flight that started before our 401 may hand back the very token that was just refused.
      return renewed.token === stale ? fly(stale, false) : renewed;
    },
    signIn: () => fly(undefined, true),
  };
}
