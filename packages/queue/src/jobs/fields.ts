import { z } from 'zod';

/** Every payload names its connection (tenant). */
export const connectionId = z.uuid();
