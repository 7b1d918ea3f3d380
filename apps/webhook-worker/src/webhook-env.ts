import { PUBLIC_URL } from '@connector/config';
import { workerEnvShape } from '@connector/worker-app';
import type { z } from 'zod';

/** What the webhook-worker reads: every worker's environment, plus the base of its notification URL. */
export const webhookEnvShape = {
  ...workerEnvShape,
  /** `<PUBLIC_URL>/lifepos/notifications/<token>` is what LIFE POS is told to POST to. */
  PUBLIC_URL,
};

export type WebhookEnv = z.infer<z.ZodObject<typeof webhookEnvShape>>;
