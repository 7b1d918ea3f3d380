import type { RepairQueue, SweepReason } from '@connector/domain';
import { Counter, register } from 'prom-client';

/**
 * `repaired`: a change whose trigger never reached the connector (the number to alert on); `checked`: the
 * trigger had arrived and the job only re-checks. On prom-client's default registry (what /metrics serves),
 * looked up before created: several apps in one process (tests) share it.
 */
export type RepairOutcome = 'repaired' | 'checked';

function repairsTotal(): Counter<'queue' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_reconcile_repairs_total') as
      | Counter<'queue' | 'outcome'>
      | undefined) ??
    new Counter({
      name: 'connector_reconcile_repairs_total',
      help: 'Order jobs queued by the RetailCRM history reconciliation, by queue and whether the trigger had been lost',
      labelNames: ['queue', 'outcome'],
    })
  );
}

export function countRepair(queue: RepairQueue, outcome: RepairOutcome): void {
  repairsTotal().inc({ queue, outcome });
}

function sweepRepairsTotal(): Counter<'queue' | 'reason'> {
  return (
    (register.getSingleMetric('connector_sweep_repairs_total') as Counter<'queue' | 'reason'> | undefined) ??
    new Counter({
      name: 'connector_sweep_repairs_total',
      help: 'Order jobs queued by the convergence sweep, by queue and the disagreement they repair',
      labelNames: ['queue', 'reason'],
    })
  );
}

export function countSweepRepair(queue: RepairQueue, reason: SweepReason): void {
  sweepRepairsTotal().inc({ queue, reason });
}
