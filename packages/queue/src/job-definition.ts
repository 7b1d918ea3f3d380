import type { z } from 'zod';
import type { QueuePolicy } from './queue-policy.js';

/**
 * One job kind's definition: its queue, payload, delivery policy, what it is about (`subject`), what it
 * does in the words of a task a person reads (`action`), and, for periodic jobs, its runs and schedules.
 * The catalog lists the definitions; producers, the worker runner, the incidents code and the schedule
 * keeper all read them (docs/ARCHITECTURE.md, «Adding a new queue»). The handler that consumes a
 * definition's queue lives in its worker app (`defineHandler`).
 */

/** What the schedule keeper reads of a connection: no secrets, only its status and periods. */
export interface ScheduledConnection {
  id: string;
  status: string;
  settings: {
    syncEveryMinutes: number;
    reconcileEverySeconds: number;
    sweepEverySeconds: number;
    lifeposPollSeconds: number;
  };
}

/** One periodic kind of a job: the payload a run of it gets, and the ids of its scheduler and on-demand run. */
export interface PeriodicKind<D> {
  data(connectionId: string): D;
  /** The BullMQ job scheduler's id (one per connection and kind). */
  schedulerId(connectionId: string): string;
  /** The dedupe id of a run on demand (requests while one waits collapse into it). */
  dedupeId(connectionId: string): string;
  /** Its period for an active connection; undefined = not scheduled (run on demand only). */
  everyMs?(connection: ScheduledConnection): number;
}

export interface JobDefinition<Q extends string = string, S extends z.ZodType = z.ZodType> {
  queue: Q;
  /** The payload: ids only, strict (a secret cannot ride along); a union where the queue has kinds. */
  schema: S;
  policy: QueuePolicy;
  /** The per-job lock the worker runner holds while the handler runs ("one order, one writer"). */
  lockKey?: (data: z.output<S>) => string;
  /** «Коннектору не удалось <action>»: what the job does, in the words of the error task. */
  action: string;
  /** What to do once the cause is fixed, for jobs that repeat by themselves (default: repeat it in RetailCRM). */
  nextStep?: string;
  /** What a job is about: `order:<id>`, a periodic kind, …; `connection` when it names nothing narrower. */
  subject(data: z.output<S>): string;
  /** The periodic kinds, by subject: scheduled per active connection by the schedule keeper. */
  periodic?: Readonly<Record<string, PeriodicKind<z.output<S>>>>;
  /**
   * The run a connection gets when the keeper removed its schedulers while the connection still exists
   * (it was disabled): a periodic kind's subject.
   */
  lastRunWhenUnscheduled?: string;
}

export function defineJob<const Q extends string, S extends z.ZodType>(
  definition: JobDefinition<Q, S>,
): JobDefinition<Q, S> {
  return definition;
}

/** The periodic kind a job's payload is a run of (its payload is exactly the kind's), if any. */
export function periodicKindOf<D>(
  definition: Pick<JobDefinition, 'subject' | 'periodic'>,
  data: D,
): string | undefined {
  const connectionId = (data as { connectionId?: unknown } | undefined)?.connectionId;
  if (definition.periodic === undefined || typeof connectionId !== 'string') return undefined;
  const subject = definition.subject(data);
  const kind = Object.hasOwn(definition.periodic, subject) ? definition.periodic[subject] : undefined;
  if (kind === undefined) return undefined;
  return sameFields(kind.data(connectionId), data) ? subject : undefined;
}

function sameFields(left: unknown, right: unknown): boolean {
  const a = left as Record<string, unknown>;
  const b = right as Record<string, unknown>;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
