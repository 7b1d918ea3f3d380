export { closeIncidentByHand, type IncidentActionDeps, redriveSubjects } from './incident-actions.js';
export {
  isPeriodicJob,
  OUTAGE_TEXT,
  OUTAGE_WINDOW_MS,
  type OutageCause,
  outageOf,
  type PeriodicRun,
  periodicRunOf,
  subjectOfJob,
} from './incident-causes.js';
export { type CrmTasksDeps, createCrmTasksHandler, outageMessage } from './incident-tasks.js';
export { type IncidentWatchOptions, startIncidentWatch } from './incident-watch.js';
export {
  ACTION as JOB_ACTION,
  createFinalFailureHook,
  createSuccessHook,
  DEFAULT_PERIODIC_GRACE_MS,
  enqueueIncidentJob,
  type IncidentReport,
  type IncidentReporterOptions,
  incidentAdvice,
  openIncident,
  openOutageIncident,
  timelineUrl,
} from './incidents.js';
